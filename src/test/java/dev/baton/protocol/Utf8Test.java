package dev.baton.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

    @Test
    void countsEverySizeClassLikeTheEncoder() {
        assertEquals(1, Utf8.length("a"));
        assertEquals(2, Utf8.length("é"));
        assertEquals(3, Utf8.length("€"));
        assertEquals(4, Utf8.length("😀"), "a surrogate pair is one 4-byte code point");
        assertEquals(40, Utf8.length("😀".repeat(10)));
        assertEquals(0, Utf8.length(""));
    }

    @Test
    void unpairedSurrogatesCountAsTheEncoderWritesThem() {
        for (String odd : new String[] {"\uD83D", "\uDE00", "x\uD83Dy", "\uDE00\uD83D", "\uD83D\uD83D\uDE00"}) {
            assertEquals(odd.getBytes(StandardCharsets.UTF_8).length, Utf8.length(odd), odd);
        }
    }

    @Test
    void equalsTheEncodedLengthOfRandomText() {
        Random random = new Random(42);
        int[] pool = {'a', ' ', '"', 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x20ac, 0xd7ff, 0xe000, 0xfffd, 0xffff,
                0x10000, 0x1f600, 0x10ffff, 0xd800, 0xdbff, 0xdc00, 0xdfff};
        for (int round = 0; round < 2_000; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                text.appendCodePoint(pool[random.nextInt(pool.length)]);
            }
            String s = text.toString();
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, Utf8.length(s), () -> s.codePoints()
                    .mapToObj(Integer::toHexString).toList().toString());
        }
    }
}
