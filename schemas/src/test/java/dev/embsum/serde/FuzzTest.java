package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeded fuzz of the decoder: random bytes and mutations of valid encodings of every record type.
 * Every input must either decode (and then re-encode and decode to the same value) or fail with
 * MalformedRecordException; anything else fails the test with the input in hex. Override the
 * seed/count with -Dembsum.fuzz.seed / -Dembsum.fuzz.count.
 */
class FuzzTest {

    private static final Logger LOG = LoggerFactory.getLogger(FuzzTest.class);

    private static final long SEED = Long.getLong("embsum.fuzz.seed", 20_260_101L);
    private static final int COUNT = Integer.getInteger("embsum.fuzz.count", 100_000);

    /** Varints a corrupted length prefix may hold: huge, negative, boundary. */
    private static final long[] HOSTILE = {
        Integer.MAX_VALUE,
        Integer.MAX_VALUE + 1L,
        Long.MAX_VALUE,
        Long.MIN_VALUE,
        -1,
        -2,
        1L << 31,
        1L << 40,
        255,
        0
    };

    private record Seed(SingleObjectCodec<SpecificRecord> codec, byte[] bytes) {}

    @Test
    void everyInputDecodesOrIsMalformed() {
        Random random = new Random(SEED);
        List<SingleObjectCodec<SpecificRecord>> codecs = new ArrayList<>();
        List<Seed> seeds = new ArrayList<>();
        RandomRecords records = new RandomRecords(random);
        for (Class<? extends SpecificRecord> type : RecordTypes.ALL) {
            SingleObjectCodec<SpecificRecord> codec = codec(type);
            codecs.add(codec);
            for (int i = 0; i < 40; i++) {
                seeds.add(new Seed(codec, codec.encode(records.next(type))));
            }
        }
        Samples.all().values().stream()
                .flatMap(List::stream)
                .forEach(
                        s -> {
                            SingleObjectCodec<SpecificRecord> codec = codec(s.value().getClass());
                            seeds.add(new Seed(codec, codec.encode(s.value())));
                        });

        Map<MalformedRecordException.Kind, Integer> kinds =
                new EnumMap<>(MalformedRecordException.Kind.class);
        int decoded = 0;
        long start = System.nanoTime();
        for (int i = 0; i < COUNT; i++) {
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            // Mostly the seed's own codec (to get past the header); sometimes another (WRONG_TYPE).
            SingleObjectCodec<SpecificRecord> codec =
                    random.nextInt(10) == 0
                            ? codecs.get(random.nextInt(codecs.size()))
                            : seed.codec();
            byte[] input = mutate(seed.bytes(), codec, random);
            try {
                SpecificRecord value = codec.decode(input);
                byte[] again = codec.encode(value);
                assertThat(codec.decode(again)).isEqualTo(value);
                decoded++;
            } catch (MalformedRecordException e) {
                kinds.merge(e.kind(), 1, Integer::sum);
            } catch (Throwable t) {
                throw new AssertionError(
                        "input #"
                                + i
                                + " (seed "
                                + SEED
                                + ") for "
                                + codec.schema().getName()
                                + " threw "
                                + t
                                + ": "
                                + (input == null ? "null" : Bytes.hex(input)),
                        t);
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        LOG.info(
                "fuzz: {} inputs (seed {}) in {} ms: {} decoded, malformed by kind {}",
                COUNT,
                SEED,
                millis,
                decoded,
                kinds);

        assertThat(decoded + kinds.values().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(COUNT);
        if (COUNT >= 10_000) {
            // The mix reaches every outcome, so the fuzz is not stuck on the header checks.
            assertThat(decoded).isPositive();
            assertThat(kinds.keySet()).containsAll(List.of(MalformedRecordException.Kind.values()));
        }
    }

    private static byte[] mutate(byte[] valid, SingleObjectCodec<?> codec, Random random) {
        byte[] b = valid.clone();
        return switch (random.nextInt(11)) {
            case 0 ->
                    randomBytes(
                            random, random.nextInt(48)); // mostly BAD_MAGIC, some EMPTY/TRUNCATED
            case 1 ->
                    Bytes.concat(
                            Bytes.header(codec.fingerprint()).build(),
                            randomBytes(random, random.nextInt(64)));
            case 2 -> { // bit flips anywhere (header included)
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    int at = random.nextInt(b.length);
                    b[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case 3 -> { // bit flips in the body only
                if (b.length > 10) {
                    int at = 10 + random.nextInt(b.length - 10);
                    b[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case 4 -> Arrays.copyOf(b, random.nextInt(b.length)); // truncation
            case 5 -> { // insertion
                int at = random.nextInt(b.length + 1);
                byte[] ins = randomBytes(random, 1 + random.nextInt(4));
                byte[] out = new byte[b.length + ins.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(b, at, out, at + ins.length, b.length - at);
                yield out;
            }
            case 6 -> { // deletion of a range
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(6));
                byte[] out = new byte[b.length - (to - from)];
                System.arraycopy(b, 0, out, 0, from);
                System.arraycopy(b, to, out, from, b.length - to);
                yield out;
            }
            case 7 -> { // length-prefix corruption: a hostile varint replaces bytes of the body
                if (b.length <= 10) {
                    yield b;
                }
                int at = 10 + random.nextInt(b.length - 10);
                int cut = Math.min(b.length, at + random.nextInt(3));
                long v =
                        random.nextBoolean()
                                ? HOSTILE[random.nextInt(HOSTILE.length)]
                                : random.nextLong();
                byte[] varint = new Bytes().varint(v).build();
                yield Bytes.concat(
                        Bytes.concat(Arrays.copyOf(b, at), varint),
                        Arrays.copyOfRange(b, cut, b.length));
            }
            case 8 -> { // overwrite a byte
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                yield b;
            }
            case 9 ->
                    Bytes.concat(b, randomBytes(random, 1 + random.nextInt(4))); // trailing garbage
            default -> b; // unchanged: must decode
        };
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SingleObjectCodec<SpecificRecord> codec(Class<?> type) {
        return (SingleObjectCodec) SingleObjectCodec.forClass((Class) type);
    }
}
