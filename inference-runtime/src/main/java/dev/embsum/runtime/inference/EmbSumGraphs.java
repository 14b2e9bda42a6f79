package dev.embsum.runtime.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.embsum.runtime.bundle.BundleManifest;
import dev.embsum.runtime.bundle.GraphSpec;
import dev.embsum.runtime.bundle.ModelBundle;
import dev.embsum.runtime.bundle.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five ONNX Runtime sessions of a bundle. Each is created from its file path inside the bundle
 * directory (never from bytes), so ONNX Runtime finds the shared {@code weights.bin} next to it;
 * each graph's input and output names are checked against the manifest before use. {@link
 * OrtSession#run} is thread-safe, so one instance serves every caller.
 */
final class EmbSumGraphs implements AutoCloseable {

    static final String SESSION_ENCODER = "session_encoder";
    static final String DECODER_FIRST = "decoder_first";
    static final String DECODER_STEP = "decoder_step";
    static final String USER_HEAD = "user_head";
    static final String CONTENT_ENCODER = "content_encoder";

    private static final Logger LOG = LoggerFactory.getLogger(EmbSumGraphs.class);

    final OrtEnvironment env;
    final OrtSession sessionEncoder;
    final OrtSession decoderFirst;
    final OrtSession decoderStep;
    final OrtSession userHead;
    final OrtSession contentEncoder;
    private final ExecutionProvider provider;

    private EmbSumGraphs(
            OrtEnvironment env, Map<String, OrtSession> sessions, ExecutionProvider provider) {
        this.env = env;
        this.sessionEncoder = sessions.get(SESSION_ENCODER);
        this.decoderFirst = sessions.get(DECODER_FIRST);
        this.decoderStep = sessions.get(DECODER_STEP);
        this.userHead = sessions.get(USER_HEAD);
        this.contentEncoder = sessions.get(CONTENT_ENCODER);
        this.provider = provider;
    }

    /** Creates and checks the five sessions; on any failure the ones already created are closed. */
    static EmbSumGraphs open(ModelBundle bundle, InferenceOptions options) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ExecutionProvider provider = options.provider();
        Map<String, OrtSession> sessions = new LinkedHashMap<>();
        try {
            for (String name : BundleManifest.GRAPH_NAMES) {
                GraphSpec spec = bundle.manifest().graphs().get(name);
                String file = bundle.graphPath(name).toString();
                OrtSession session;
                try (OrtSession.SessionOptions opts = sessionOptions(options, provider)) {
                    session = env.createSession(file, opts);
                } catch (OrtException e) {
                    if (provider != ExecutionProvider.CUDA) {
                        throw e;
                    }
                    LOG.warn(
                            "CUDA execution provider unavailable ({}); falling back to CPU",
                            e.getMessage());
                    provider = ExecutionProvider.CPU;
                    try (OrtSession.SessionOptions opts = sessionOptions(options, provider)) {
                        session = env.createSession(file, opts);
                    }
                }
                sessions.put(name, session);
                checkNames(name, "inputs", spec.inputs(), session.getInputNames());
                checkNames(name, "outputs", spec.outputs(), session.getOutputNames());
            }
            return new EmbSumGraphs(env, sessions, provider);
        } catch (OrtException | RuntimeException e) {
            closeAll(sessions.values());
            throw e;
        }
    }

    private static OrtSession.SessionOptions sessionOptions(
            InferenceOptions options, ExecutionProvider provider) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (options.intraOpThreads() > 0) {
                opts.setIntraOpNumThreads(options.intraOpThreads());
            }
            opts.setInterOpNumThreads(1);
            if (provider == ExecutionProvider.CUDA) {
                opts.addCUDA(options.cudaDeviceId());
            }
            return opts;
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    private static void checkNames(
            String graph, String kind, List<TensorSpec> expected, Set<String> actual) {
        List<String> names = expected.stream().map(TensorSpec::name).toList();
        if (!List.copyOf(actual).equals(names)) {
            throw new IllegalArgumentException(
                    graph
                            + ".onnx: "
                            + kind
                            + " "
                            + actual
                            + " do not match manifest.json onnx.graphs."
                            + graph
                            + "."
                            + kind
                            + " "
                            + names);
        }
    }

    /** The provider actually in use (CPU after a CUDA fallback). */
    ExecutionProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        closeAll(List.of(sessionEncoder, decoderFirst, decoderStep, userHead, contentEncoder));
    }

    private static void closeAll(Iterable<OrtSession> sessions) {
        for (OrtSession s : sessions) {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.warn("closing an ONNX Runtime session failed: {}", e.getMessage());
            }
        }
    }
}
