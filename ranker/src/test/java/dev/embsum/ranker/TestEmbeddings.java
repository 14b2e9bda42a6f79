package dev.embsum.ranker;

import dev.embsum.avro.ContentEmbedding;
import dev.embsum.avro.UserEmbedding;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/** The published records the ranker tests score, with only what scoring reads set to vary. */
final class TestEmbeddings {

    private TestEmbeddings() {}

    /** User {@code U1} of model {@code v1} with the given UPE, no summary and no history. */
    static UserEmbedding user(PolyEmbedding upe) {
        return UserEmbedding.newBuilder()
                .setUserId("U1")
                .setModelVersion("v1")
                .setHistoryVersion(1)
                .setM(upe.rows())
                .setD(upe.dim())
                .setUpe(ByteBuffer.wrap(upe.toLittleEndian()))
                .setSummary(null)
                .setHistoryItemIds(List.of())
                .setLastEventTime(Instant.EPOCH)
                .setComputedAt(Instant.EPOCH)
                .build();
    }

    /** Item {@code id} of model {@code v1}: CPE and its attention keys. */
    static ContentEmbedding item(String id, PolyEmbedding cpe, PolyEmbedding cpeKey) {
        return ContentEmbedding.newBuilder()
                .setItemId(id)
                .setModelVersion("v1")
                .setN(cpe.rows())
                .setD(cpe.dim())
                .setCpe(ByteBuffer.wrap(cpe.toLittleEndian()))
                .setCpeKey(ByteBuffer.wrap(cpeKey.toLittleEndian()))
                .build();
    }
}
