package dev.embsum.runtime.inference;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The numbers the glue needs from a bundle's manifest.json: widths, layer count, special ids and
 * the decoding cap (docs/model-bundle.md sections 2 and 4).
 */
record ModelShape(int dModel, int decoderLayers, int m, int n, int eosId, int padId, int decoderStartId,
        int maxSummaryTokens) {

    static ModelShape of(JsonNode manifest) {
        JsonNode model = manifest.path("model");
        JsonNode special = manifest.path("special_tokens");
        return new ModelShape(
                required(model, "d_model"), required(model, "num_decoder_layers"),
                required(manifest, "m"), required(manifest, "n"),
                required(special, "eos_id"), required(special, "pad_id"), required(special, "decoder_start_id"),
                required(manifest, "max_summary_tokens"));
    }

    private static int required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("manifest.json: missing or non-integer field '" + field + "'");
        }
        return v.asInt();
    }
}
