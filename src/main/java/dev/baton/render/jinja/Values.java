package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python's semantics for template values, as Jinja in Python gives them: {@code String}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code null} (None), {@code List}, {@code Map} (insertion-ordered),
 * {@link #UNDEFINED}; truthiness, {@code str()}, equality and ordering, indexing and slicing, and
 * {@code tojson} exactly as {@code json.dumps(ensure_ascii=False)} writes it.
 */
final class Values {

    /** A name or key that does not exist: falsy, prints as nothing, {@code is defined} is false. */
    static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "";
        }
    };

    /** {@code namespace(...)}: the one mutable value, whose attributes {@code set ns.x = ...} assigns. */
    static final class Namespace extends LinkedHashMap<String, Object> {
    }

    private Values() {
    }

    static boolean truthy(Object value) {
        if (value == null || value == UNDEFINED) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            return !s.isEmpty();
        }
        if (value instanceof Long l) {
            return l != 0;
        }
        if (value instanceof Double d) {
            return d != 0;
        }
        if (value instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (value instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** {@code str(value)} as Python prints it, for names, keys and messages (bounded by the default limits). */
    static String str(Object value) {
        return str(value, JinjaLimits.DEFAULT);
    }

    /** {@code str(value)} as Python prints it; a list or dict written longer than the output limit fails. */
    static String str(Object value, JinjaLimits limits) {
        if (value == UNDEFINED) {
            return "";
        }
        if (value instanceof String s) {
            return s;
        }
        return repr(value, limits);
    }

    static String repr(Object value, JinjaLimits limits) {
        StringBuilder out = new StringBuilder();
        writeRepr(value, limits, out);
        return out.toString();
    }

    private static void writeRepr(Object value, JinjaLimits limits, StringBuilder out) {
        if (value instanceof String s) {
            limits.checkChars(out.length() + (long) s.length() + 2);
            out.append('\'').append(s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")).append('\'');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                out.append(i == 0 ? "" : ", ");
                writeRepr(list.get(i), limits, out);
            }
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ", ");
                writeRepr(e.getKey(), limits, out);
                out.append(": ");
                writeRepr(e.getValue(), limits, out);
                first = false;
            }
            out.append('}');
        } else {
            out.append(scalarRepr(value));
        }
        limits.checkChars(out.length());
    }

    private static String scalarRepr(Object value) {
        if (value == null) {
            return "None";
        }
        if (value == UNDEFINED) {
            return "";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof Double d) {
            return pythonFloat(d);
        }
        return String.valueOf(value);
    }

    private static String pythonFloat(double d) {
        if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        return Double.toString(d).replace("E", "e");
    }

    /** {@code json.dumps(value, ensure_ascii=False)} with its default separators, or indented by {@code indent}. */
    static String toJson(Object value, Integer indent, JinjaLimits limits) {
        StringBuilder out = new StringBuilder();
        writeJson(value, indent, 0, limits, out);
        return out.toString();
    }

    private static void writeJson(Object value, Integer indent, int depth, JinjaLimits limits, StringBuilder out) {
        writeJsonValue(value, indent, depth, limits, out);
        limits.checkChars(out.length());
    }

    private static void writeJsonValue(Object value, Integer indent, int depth, JinjaLimits limits, StringBuilder out) {
        if (value == null || value == UNDEFINED) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Long || value instanceof Integer) {
            out.append(value);
        } else if (value instanceof Double d) {
            out.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : pythonFloat(d));
        } else if (value instanceof String s) {
            limits.checkChars(out.length() + (long) s.length() + 2);
            quote(s, out);
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                out.append(i == 0 ? "" : indent == null ? ", " : ",");
                newline(indent, depth + 1, limits, out);
                writeJson(list.get(i), indent, depth + 1, limits, out);
            }
            newline(indent, depth, limits, out);
            out.append(']');
        } else if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : indent == null ? ", " : ",");
                newline(indent, depth + 1, limits, out);
                quote(String.valueOf(e.getKey()), out);
                out.append(": ");
                writeJson(e.getValue(), indent, depth + 1, limits, out);
                first = false;
            }
            newline(indent, depth, limits, out);
            out.append('}');
        } else {
            quote(String.valueOf(value), out);
        }
    }

    private static void newline(Integer indent, int depth, JinjaLimits limits, StringBuilder out) {
        if (indent != null) {
            long spaces = Math.max(0, (long) indent * depth);
            limits.checkChars(out.length() + 1 + spaces);
            out.append('\n').append(" ".repeat((int) spaces));
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    static boolean equal(Object a, Object b) {
        if (a == UNDEFINED || b == UNDEFINED) {
            return a == b;
        }
        if (a instanceof Number x && b instanceof Number y && !(a instanceof Boolean) && !(b instanceof Boolean)) {
            return x.doubleValue() == y.doubleValue();
        }
        return java.util.Objects.equals(a, b);
    }

    static int compare(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        throw new TemplateException("cannot compare " + typeName(a) + " with " + typeName(b));
    }

    static String typeName(Object value) {
        if (value == null) {
            return "None";
        }
        if (value == UNDEFINED) {
            return "Undefined";
        }
        if (value instanceof String) {
            return "str";
        }
        if (value instanceof Long) {
            return "int";
        }
        if (value instanceof Double) {
            return "float";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof List) {
            return "list";
        }
        if (value instanceof Map) {
            return "dict";
        }
        return value.getClass().getSimpleName();
    }

    /** {@code value[key]} and {@code value.key}: a missing key or attribute is undefined. */
    static Object item(Object target, Object key) {
        if (target instanceof Map<?, ?> map) {
            Object found = map.get(key instanceof String ? key : str(key));
            return found != null || map.containsKey(key) ? found : UNDEFINED;
        }
        if (target instanceof List<?> list && key instanceof Number n) {
            int index = index(n.intValue(), list.size());
            return index < 0 || index >= list.size() ? UNDEFINED : list.get(index);
        }
        if (target instanceof String s && key instanceof Number n) {
            int index = index(n.intValue(), s.length());
            return index < 0 || index >= s.length() ? UNDEFINED : String.valueOf(s.charAt(index));
        }
        return UNDEFINED;
    }

    private static int index(int i, int size) {
        return i < 0 ? size + i : i;
    }

    /** Python's {@code target[start:stop:step]} for lists and strings. */
    static Object slice(Object target, Object startValue, Object stopValue, Object stepValue) {
        int size = target instanceof String s ? s.length() : target instanceof List<?> l ? l.size() : -1;
        if (size < 0) {
            throw new TemplateException("cannot slice " + typeName(target));
        }
        int step = stepValue == null ? 1 : ((Number) stepValue).intValue();
        if (step == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        int start;
        int stop;
        if (step > 0) {
            start = startValue == null ? 0 : clamp(index(((Number) startValue).intValue(), size), 0, size);
            stop = stopValue == null ? size : clamp(index(((Number) stopValue).intValue(), size), 0, size);
        } else {
            start = startValue == null ? size - 1 : clamp(index(((Number) startValue).intValue(), size), -1, size - 1);
            stop = stopValue == null ? -1 : clamp(index(((Number) stopValue).intValue(), size), -1, size - 1);
        }
        List<Integer> picked = new ArrayList<>();
        for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
            picked.add(i);
        }
        if (target instanceof String s) {
            StringBuilder out = new StringBuilder();
            picked.forEach(i -> out.append(s.charAt(i)));
            return out.toString();
        }
        List<?> list = (List<?>) target;
        List<Object> out = new ArrayList<>();
        picked.forEach(i -> out.add(list.get(i)));
        return out;
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }

    static int length(Object value) {
        if (value instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (value instanceof Collection<?> c) {
            return c.size();
        }
        if (value instanceof Map<?, ?> m) {
            return m.size();
        }
        throw new TemplateException("object of type " + typeName(value) + " has no length");
    }

    /** What {@code for} iterates: list items, dict keys, string characters. */
    static List<Object> iterate(Object value) {
        if (value == null || value == UNDEFINED) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        if (value instanceof Map<?, ?> map) {
            return new ArrayList<>(map.keySet());
        }
        if (value instanceof String s) {
            List<Object> chars = new ArrayList<>();
            s.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
            return chars;
        }
        throw new TemplateException("object of type " + typeName(value) + " is not iterable");
    }
}
