package dev.baton.render.jinja;

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

    static Object call(String name, List<Object> args, Map<String, Object> kwargs) {
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
                long start = args.size() > 1 ? ((Number) args.get(0)).longValue() : 0;
                long stop = ((Number) args.get(args.size() > 1 ? 1 : 0)).longValue();
                long step = args.size() > 2 ? ((Number) args.get(2)).longValue() : 1;
                List<Object> values = new ArrayList<>();
                for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                    values.add(i);
                }
                return values;
            }
            case "strftime_now" -> {
                return strftime(Values.str(args.get(0)));
            }
            default -> throw new TemplateException("'" + name + "' is undefined");
        }
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
