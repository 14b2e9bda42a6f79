package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.embsum.avro.ClickEvent;
import dev.embsum.avro.DeadLetter;
import dev.embsum.avro.Impression;
import dev.embsum.avro.UserEmbedding;
import dev.embsum.serde.MalformedRecordException.Kind;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.LongFunction;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A garbage length prefix must neither throw something other than MalformedRecordException nor
 * allocate what it declares: the bytes this thread allocates while decoding are measured.
 */
class HostileLengthTest {

    /**
     * Generous: a decode of these tiny inputs allocates a few KiB; a honoured prefix would be GiB.
     */
    private static final long MAX_ALLOCATED_BYTES = 256 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A message per (record type, length-prefixed field), with the given declared length. */
    private static final List<Case> CASES =
            List.of(
                    new Case(
                            ClickEvent.class,
                            "event_id",
                            n -> Bytes.header(fp(ClickEvent.class)).varint(n).raw(0x61).build()),
                    new Case(
                            ClickEvent.class,
                            "impression_id",
                            n ->
                                    Bytes.header(fp(ClickEvent.class))
                                            .string("e")
                                            .string("u")
                                            .string("i")
                                            .varint(1)
                                            .varint(0)
                                            .varint(0)
                                            .varint(1)
                                            .varint(n)
                                            .build()),
                    new Case(
                            Impression.class,
                            "item_ids",
                            n ->
                                    Bytes.header(fp(Impression.class))
                                            .string("imp")
                                            .string("u")
                                            .varint(n)
                                            .string("a")
                                            .build()),
                    new Case(
                            Impression.class,
                            "item_ids (blocked)",
                            n ->
                                    Bytes.header(fp(Impression.class))
                                            .string("imp")
                                            .string("u")
                                            .varint(-3)
                                            .varint(n)
                                            .string("a")
                                            .build()),
                    new Case(
                            UserEmbedding.class,
                            "upe",
                            n ->
                                    Bytes.header(fp(UserEmbedding.class))
                                            .string("u")
                                            .string("v")
                                            .varint(1)
                                            .varint(2)
                                            .varint(3)
                                            .varint(n)
                                            .raw(new byte[24])
                                            .build()),
                    new Case(
                            DeadLetter.class,
                            "value",
                            n ->
                                    Bytes.header(fp(DeadLetter.class))
                                            .string("t")
                                            .varint(0)
                                            .varint(0)
                                            .varint(0)
                                            .varint(1)
                                            .varint(n)
                                            .raw(1, 2, 3)
                                            .build()));

    private record Case(
            Class<? extends SpecificRecord> type, String field, LongFunction<byte[]> message) {}

    private static long fp(Class<? extends SpecificRecord> type) {
        return SingleObjectCodec.forClass(type).fingerprint();
    }

    @BeforeAll
    static void warmUp() {
        assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
        THREADS.setThreadAllocatedMemoryEnabled(true);
        for (Case c : CASES) {
            decodeQuietly(c.type(), c.message().apply(1));
        }
    }

    @ParameterizedTest(name = "declared length {0}")
    @ValueSource(
            longs = {
                Integer.MAX_VALUE,
                Integer.MAX_VALUE - 8,
                1L << 32,
                1L << 40,
                Long.MAX_VALUE,
                -1,
                -(1L << 31),
                Long.MIN_VALUE,
                1000
            })
    void absurdLengthPrefixesAreMalformedAndAllocateNothingBig(long declared) {
        for (Case c : CASES) {
            byte[] message = c.message().apply(declared);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Throwable thrown = decodeQuietly(c.type(), message);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;

            String what = c.type().getSimpleName() + "." + c.field();
            assertThat(thrown)
                    .as(what)
                    .isInstanceOfSatisfying(
                            MalformedRecordException.class,
                            e -> {
                                assertThat(e.kind()).isIn(Kind.TRUNCATED, Kind.CORRUPT_BODY);
                                assertThat(e.getMessage()).contains(c.field().split(" ")[0]);
                            });
            assertThat(allocated).as(what + " allocated bytes").isLessThan(MAX_ALLOCATED_BYTES);
        }
    }

    /** What decoding threw, or null; kept free of assertion code so only decoding is measured. */
    private static Throwable decodeQuietly(Class<? extends SpecificRecord> type, byte[] message) {
        try {
            SingleObjectCodec.forClass(type).decode(message);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
