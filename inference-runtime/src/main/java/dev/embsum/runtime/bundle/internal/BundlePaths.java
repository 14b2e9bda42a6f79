package dev.embsum.runtime.bundle.internal;

/** The one rule for file names inside a bundle, shared by manifest.json and archive entries. */
public final class BundlePaths {

    private BundlePaths() {}

    /**
     * Whether {@code path} is a safe bundle-relative path: segments separated by {@code /}, none of
     * them empty, {@code .} or {@code ..}, and no backslash or NUL. Such a path, resolved against a
     * directory, always stays inside it: no absolute paths, no climbing out.
     */
    public static boolean isSafeRelative(String path) {
        if (path.isEmpty() || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
