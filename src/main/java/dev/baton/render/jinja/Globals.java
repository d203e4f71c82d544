package dev.baton.render.jinja;

import java.math.BigInteger;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The global functions chat templates call: {@code raise_exception}, {@code namespace}, {@code range}, ... */
final class Globals {

    private Globals() {
    }

    static Object call(String name, List<Object> args, Map<String, Object> kwargs, JinjaLimits limits) {
        switch (name) {
            case "raise_exception" -> throw new TemplateException(args.isEmpty() ? "raise_exception" : Values.str(args.get(0)));
            case "namespace" -> {
                Values.Namespace namespace = new Values.Namespace();
                namespace.putAll(kwargs);
                return namespace;
            }
            case "dict" -> {
                return new LinkedHashMap<>(kwargs);
            }
            case "range" -> {
                return range(args, limits);
            }
            case "strftime_now" -> {
                return strftime(Values.str(args.get(0)));
            }
            default -> throw new TemplateException("'" + name + "' is undefined");
        }
    }

    /** Python's {@code range(stop)}, {@code range(start, stop[, step])} as a list, no longer than the range limit. */
    private static List<Object> range(List<Object> args, JinjaLimits limits) {
        if (args.isEmpty() || args.size() > 3) {
            throw new TemplateException("range expected 1 to 3 arguments, got " + args.size());
        }
        long start = args.size() > 1 ? integer(args.get(0)) : 0;
        long stop = integer(args.get(args.size() > 1 ? 1 : 0));
        long step = args.size() > 2 ? integer(args.get(2)) : 1;
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero");
        }
        // Python's length of the range, in exact arithmetic: the span may not fit in a long
        BigInteger span = BigInteger.valueOf(stop).subtract(BigInteger.valueOf(start));
        BigInteger length = span.signum() != Long.signum(step) ? BigInteger.ZERO
                : span.abs().add(BigInteger.valueOf(Math.abs(step)).subtract(BigInteger.ONE)).divide(BigInteger.valueOf(step).abs());
        if (length.compareTo(BigInteger.valueOf(limits.maxRangeLength())) > 0) {
            throw new TemplateLimitException(JinjaLimits.Limit.RANGE_LENGTH, "range() of " + length
                    + " numbers exceeds the limit of " + limits.maxRangeLength());
        }
        List<Object> values = new ArrayList<>(length.intValue());
        for (int i = 0; i < length.intValue(); i++) {
            values.add(start + i * step);
        }
        return values;
    }

    private static long integer(Object value) {
        if (!(value instanceof Long n)) {
            throw new TemplateException("'" + Values.typeName(value) + "' object cannot be interpreted as an integer");
        }
        return n;
    }

    /** Python's {@code strftime} for the directives chat templates use (dates in system prompts). */
    private static String strftime(String format) {
        LocalDate today = LocalDate.now();
        return format.replace("%d", String.format(Locale.ROOT, "%02d", today.getDayOfMonth()))
                .replace("%b", today.format(DateTimeFormatter.ofPattern("MMM", Locale.ENGLISH)))
                .replace("%B", today.format(DateTimeFormatter.ofPattern("MMMM", Locale.ENGLISH)))
                .replace("%Y", Integer.toString(today.getYear()))
                .replace("%m", String.format(Locale.ROOT, "%02d", today.getMonthValue()));
    }
}
