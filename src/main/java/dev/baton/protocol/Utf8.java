package dev.baton.protocol;

/** UTF-8 sizes of Java strings, without encoding them. */
public final class Utf8 {

    private Utf8() {
    }

    /**
     * The bytes {@code text} takes in UTF-8: exactly {@code text.toString().getBytes(UTF_8).length}.
     * A surrogate pair is one 4-byte code point; an unpaired surrogate is encoded as {@code '?'} (1 byte).
     */
    public static long length(CharSequence text) {
        long bytes = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
