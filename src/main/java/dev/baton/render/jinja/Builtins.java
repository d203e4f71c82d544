package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The filters, tests and string/dict methods chat templates use, with Python's behaviour; what builds a string or a
 * list checks its size against the output limit before building it.
 */
final class Builtins {

    private final JinjaLimits limits;

    Builtins(JinjaLimits limits) {
        this.limits = limits;
    }

    Object filter(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        return switch (name) {
            case "length", "count" -> (long) Values.length(value);
            case "tojson" -> {
                Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.isEmpty() ? null : args.get(0);
                yield Values.toJson(value, indent == null ? null : ((Number) indent).intValue(), limits);
            }
            case "trim" -> strip(Values.str(value, limits), null, true, true);
            case "upper" -> Values.str(value, limits).toUpperCase(Locale.ROOT);
            case "lower" -> Values.str(value, limits).toLowerCase(Locale.ROOT);
            case "capitalize" -> {
                String s = Values.str(value, limits);
                yield s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            }
            case "title" -> title(Values.str(value, limits));
            case "string" -> Values.str(value, limits);
            case "int" -> toInt(value);
            case "float" -> value instanceof Number n ? n.doubleValue() : Double.parseDouble(Values.str(value, limits).strip());
            case "abs" -> value instanceof Long l ? Math.abs(l) : Math.abs(((Number) value).doubleValue());
            case "first" -> Values.iterate(value).isEmpty() ? Values.UNDEFINED : Values.iterate(value).get(0);
            case "last" -> {
                List<Object> items = Values.iterate(value);
                yield items.isEmpty() ? Values.UNDEFINED : items.get(items.size() - 1);
            }
            case "list" -> Values.iterate(value);
            case "reverse" -> value instanceof String s ? new StringBuilder(s).reverse().toString()
                    : reversed(Values.iterate(value));
            case "join" -> {
                List<Object> parts = new ArrayList<>();
                Values.iterate(value).forEach(item -> parts.add(
                        kwargs.containsKey("attribute") ? Values.item(item, kwargs.get("attribute")) : item));
                yield join(args.isEmpty() ? "" : Values.str(args.get(0), limits), parts);
            }
            case "default", "d" -> {
                boolean falsy = args.size() > 1 && Values.truthy(args.get(1));
                yield value == Values.UNDEFINED || (falsy && !Values.truthy(value))
                        ? (args.isEmpty() ? "" : args.get(0)) : value;
            }
            case "replace" -> replace(Values.str(value, limits), Values.str(args.get(0)), Values.str(args.get(1), limits));
            case "items" -> items(value);
            case "unique" -> new ArrayList<>(new LinkedHashSet<>(Values.iterate(value)));
            case "map" -> {
                List<Object> mapped = new ArrayList<>();
                for (Object item : Values.iterate(value)) {
                    mapped.add(kwargs.containsKey("attribute") ? Values.item(item, kwargs.get("attribute"))
                            : filter(Values.str(args.get(0)), item, args.subList(1, args.size()), Map.of()));
                }
                yield mapped;
            }
            case "selectattr", "rejectattr" -> {
                List<Object> kept = new ArrayList<>();
                for (Object item : Values.iterate(value)) {
                    Object attribute = Values.item(item, args.get(0));
                    boolean passes = args.size() < 2 ? Values.truthy(attribute)
                            : test(Values.str(args.get(1)), attribute, args.subList(2, args.size()));
                    if (passes == name.equals("selectattr")) {
                        kept.add(item);
                    }
                }
                yield kept;
            }
            case "select", "reject" -> {
                List<Object> kept = new ArrayList<>();
                for (Object item : Values.iterate(value)) {
                    boolean passes = args.isEmpty() ? Values.truthy(item)
                            : test(Values.str(args.get(0)), item, args.subList(1, args.size()));
                    if (passes == name.equals("select")) {
                        kept.add(item);
                    }
                }
                yield kept;
            }
            case "indent" -> {
                long width = args.isEmpty() ? 4 : Math.max(0, ((Number) args.get(0)).longValue());
                limits.checkChars(width);
                yield replace(Values.str(value, limits), "\n", "\n" + " ".repeat((int) width));
            }
            default -> throw new TemplateException("no filter named '" + name + "'");
        };
    }

    boolean test(String name, Object value, List<Object> args) {
        return switch (name) {
            case "defined" -> value != Values.UNDEFINED;
            case "undefined" -> value == Values.UNDEFINED;
            case "none" -> value == null;
            case "string" -> value instanceof String;
            case "number" -> value instanceof Long || value instanceof Double;
            case "integer" -> value instanceof Long;
            case "float" -> value instanceof Double;
            case "boolean" -> value instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(value);
            case "false" -> Boolean.FALSE.equals(value);
            case "mapping" -> value instanceof Map;
            case "sequence", "iterable" -> value instanceof List || value instanceof String || value instanceof Map;
            case "odd" -> ((Number) value).longValue() % 2 != 0;
            case "even" -> ((Number) value).longValue() % 2 == 0;
            case "equalto", "eq", "==", "sameas" -> Values.equal(value, args.get(0));
            case "ne", "!=" -> !Values.equal(value, args.get(0));
            case "in" -> contains(args.get(0), value);
            default -> throw new TemplateException("no test named '" + name + "'");
        };
    }

    Object method(Object target, String name, List<Object> args) {
        if (target instanceof String s) {
            return switch (name) {
                case "startswith" -> startsOrEnds(s, args.get(0), true);
                case "endswith" -> startsOrEnds(s, args.get(0), false);
                case "strip" -> strip(s, chars(args), true, true);
                case "lstrip" -> strip(s, chars(args), true, false);
                case "rstrip" -> strip(s, chars(args), false, true);
                case "split" -> split(s, args);
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "title" -> title(s);
                case "capitalize" -> filter("capitalize", s, List.of(), Map.of());
                case "replace" -> replace(s, Values.str(args.get(0)), Values.str(args.get(1), limits));
                case "find" -> (long) s.indexOf(Values.str(args.get(0)));
                case "count" -> (long) ((s.length() - s.replace(Values.str(args.get(0)), "").length())
                        / Math.max(1, Values.str(args.get(0)).length()));
                case "join" -> join(s, Values.iterate(args.get(0)));
                default -> throw new TemplateException("'str' object has no attribute '" + name + "'");
            };
        }
        if (target instanceof Map<?, ?> map) {
            return switch (name) {
                case "items" -> items(map);
                case "keys" -> new ArrayList<>(map.keySet());
                case "values" -> new ArrayList<>(map.values());
                case "get" -> {
                    Object found = Values.item(map, args.get(0));
                    yield found == Values.UNDEFINED ? (args.size() > 1 ? args.get(1) : null) : found;
                }
                default -> throw new TemplateException("'dict' object has no attribute '" + name + "'");
            };
        }
        if (target instanceof List<?> list && name.equals("index")) {
            for (int i = 0; i < list.size(); i++) {
                if (Values.equal(list.get(i), args.get(0))) {
                    return (long) i;
                }
            }
            throw new TemplateException("value is not in list");
        }
        throw new TemplateException("'" + Values.typeName(target) + "' object has no attribute '" + name + "'");
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            return s.contains(Values.str(item));
        }
        if (container instanceof Map<?, ?> map) {
            return map.containsKey(item);
        }
        if (container instanceof Collection<?> c) {
            for (Object element : c) {
                if (Values.equal(element, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container == Values.UNDEFINED || container == null) {
            return false;
        }
        throw new TemplateException("argument of type '" + Values.typeName(container) + "' is not iterable");
    }

    Object arithmetic(String op, Object left, Object right) {
        if (op.equals("+") && left instanceof String a && right instanceof String b) {
            limits.checkChars((long) a.length() + b.length());
            return a + b;
        }
        if (op.equals("+") && left instanceof List<?> a && right instanceof List<?> b) {
            limits.checkItems((long) a.size() + b.size());
            List<Object> joined = new ArrayList<>(a);
            joined.addAll(b);
            return joined;
        }
        if (op.equals("*") && (left instanceof String || left instanceof List) && right instanceof Long n) {
            return repeat(left, n);
        }
        if (op.equals("*") && left instanceof Long n && (right instanceof String || right instanceof List)) {
            return repeat(right, n);
        }
        if (!(left instanceof Number a) || !(right instanceof Number b) || left instanceof Boolean || right instanceof Boolean) {
            throw new TemplateException("unsupported operand types for " + op + ": '" + Values.typeName(left) + "' and '"
                    + Values.typeName(right) + "'");
        }
        boolean integers = left instanceof Long && right instanceof Long;
        return switch (op) {
            case "+" -> integers ? (Object) (a.longValue() + b.longValue()) : (Object) (a.doubleValue() + b.doubleValue());
            case "-" -> integers ? (Object) (a.longValue() - b.longValue()) : (Object) (a.doubleValue() - b.doubleValue());
            case "*" -> integers ? (Object) (a.longValue() * b.longValue()) : (Object) (a.doubleValue() * b.doubleValue());
            case "/" -> a.doubleValue() / b.doubleValue();
            case "//" -> integers ? (Object) Math.floorDiv(a.longValue(), b.longValue())
                    : (Object) Math.floor(a.doubleValue() / b.doubleValue());
            case "%" -> integers ? (Object) Math.floorMod(a.longValue(), b.longValue())
                    : (Object) (a.doubleValue() % b.doubleValue());
            default -> throw new TemplateException("unknown operator " + op);
        };
    }

    /** {@code sequence * n}, as Python repeats a string or a list; its size is checked before it is built. */
    private Object repeat(Object sequence, long n) {
        long times = Math.min(Math.max(0, n), Integer.MAX_VALUE + 1L); // an int size times this fits in a long
        if (sequence instanceof String s) {
            limits.checkChars(s.length() * times);
            return s.isEmpty() ? s : s.repeat((int) times);
        }
        List<?> list = (List<?>) sequence;
        limits.checkItems(list.size() * times);
        List<Object> repeated = new ArrayList<>((int) (list.size() * times));
        for (long i = 0; i < times && !list.isEmpty(); i++) {
            repeated.addAll(list);
        }
        return repeated;
    }

    /** {@code separator.join(str(part) for part in parts)}, failing as soon as it outgrows the output limit. */
    private String join(String separator, List<Object> parts) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            String part = Values.str(parts.get(i), limits);
            limits.checkChars(out.length() + (long) (i == 0 ? 0 : separator.length()) + part.length());
            out.append(i == 0 ? "" : separator).append(part);
        }
        return out.toString();
    }

    /** {@code s.replace(old, new)}, its size checked before it is built ({@code ""} as old inserts between characters). */
    private String replace(String s, String old, String replacement) {
        long matches = old.isEmpty() ? s.length() + 1L : (s.length() - s.replace(old, "").length()) / old.length();
        limits.checkChars(s.length() + matches * (replacement.length() - old.length()));
        return s.replace(old, replacement);
    }

    static Object negate(Object value) {
        if (value instanceof Long l) {
            return -l;
        }
        if (value instanceof Double d) {
            return -d;
        }
        throw new TemplateException("bad operand type for unary -: '" + Values.typeName(value) + "'");
    }

    private static Object toInt(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(Values.str(value).strip());
        } catch (NumberFormatException e) {
            return 0L;
        }
    }

    private static List<Object> items(Object value) {
        List<Object> pairs = new ArrayList<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                List<Object> pair = new ArrayList<>(2);
                pair.add(k);
                pair.add(v);
                pairs.add(pair);
            });
        }
        return pairs;
    }

    private static List<Object> reversed(List<Object> items) {
        List<Object> copy = new ArrayList<>(items);
        java.util.Collections.reverse(copy);
        return copy;
    }

    private static boolean startsOrEnds(String s, Object prefix, boolean start) {
        if (prefix instanceof List<?> options) {
            for (Object option : options) {
                if (start ? s.startsWith(Values.str(option)) : s.endsWith(Values.str(option))) {
                    return true;
                }
            }
            return false;
        }
        return start ? s.startsWith(Values.str(prefix)) : s.endsWith(Values.str(prefix));
    }

    private static String chars(List<Object> args) {
        return args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0));
    }

    /** Python's strip: whitespace, or any of {@code chars}. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && strippable(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && strippable(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    /** Python's split: by a separator (keeping empty parts), or by runs of whitespace. */
    private static List<Object> split(String s, List<Object> args) {
        String separator = args.isEmpty() || args.get(0) == null ? null : Values.str(args.get(0));
        int max = args.size() > 1 ? ((Number) args.get(1)).intValue() : -1;
        List<Object> parts = new ArrayList<>();
        if (separator == null) {
            String rest = s.strip();
            while (!rest.isEmpty()) {
                if (max >= 0 && parts.size() == max) {
                    parts.add(rest);
                    return parts;
                }
                int space = 0;
                while (space < rest.length() && !Character.isWhitespace(rest.charAt(space))) {
                    space++;
                }
                parts.add(rest.substring(0, space));
                rest = rest.substring(space).stripLeading();
            }
            return parts;
        }
        if (separator.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        int from = 0;
        int at;
        while ((at = s.indexOf(separator, from)) >= 0 && (max < 0 || parts.size() < max)) {
            parts.add(s.substring(from, at));
            from = at + separator.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean start = true;
        for (char c : s.toCharArray()) {
            out.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = !Character.isLetterOrDigit(c);
        }
        return out.toString();
    }
}
