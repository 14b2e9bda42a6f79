package dev.embsum.runtime.inference;

/**
 * One item's Content Poly-Embedding: {@code cpe} = B, {@code cpeKey} = gelu(B·W^s), both {@code [n,
 * d]} row-major float32, as published on {@code content-embeddings}.
 */
public record EncodedContent(float[] cpe, float[] cpeKey) {}
