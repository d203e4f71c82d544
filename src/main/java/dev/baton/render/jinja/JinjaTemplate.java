package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jinja template as Hugging Face chat templates use the language, rendered with Python's semantics
 * (transformers' environment: {@code trim_blocks}, {@code lstrip_blocks}, loop controls, its
 * {@code tojson}, {@code raise_exception}, {@code strftime_now}). Written for chat templates rather than
 * as a general Jinja: no autoescaping, no inheritance or includes, no sandbox needed because templates
 * cannot reach Java objects — only the plain values they are given. What sandboxing a template or a conversation
 * needs is {@link JinjaLimits}: depth, loop iterations, range length and output size are bounded, so a rendering ends
 * with its text or a {@link TemplateException}, never a stack overflow, a hang or an exhausted heap. Parsed once;
 * {@link #render} is thread-safe.
 */
public final class JinjaTemplate {

    private final List<Node> nodes;
    private final JinjaLimits limits;

    private JinjaTemplate(List<Node> nodes, JinjaLimits limits) {
        this.nodes = nodes;
        this.limits = limits;
    }

    /** @throws TemplateException naming the line of a syntax error */
    public static JinjaTemplate parse(String source) {
        return parse(source, JinjaLimits.DEFAULT);
    }

    /** @throws TemplateException naming the line of a syntax error */
    public static JinjaTemplate parse(String source, JinjaLimits limits) {
        try {
            return new JinjaTemplate(StatementParser.parse(source), limits);
        } catch (StackOverflowError e) {
            throw new TemplateLimitException(JinjaLimits.Limit.STACK, "the template nests too deep to parse");
        }
    }

    /**
     * Renders with {@code context} (values: strings, numbers, booleans, null, lists and maps of them).
     *
     * @throws TemplateException when the template raises or misuses a value
     * @throws TemplateLimitException when the rendering hits one of the template's {@link JinjaLimits}
     */
    public String render(Map<String, Object> context) {
        Run run = new Run(limits);
        try {
            run.nodes(nodes, new Scope(new HashMap<>(context), null));
        } catch (StackOverflowError e) {
            // the last resort: the named limits keep real templates far from the stack's end
            throw new TemplateLimitException(JinjaLimits.Limit.STACK, "the rendering nests deeper than the renderer's stack allows");
        }
        return run.out.toString();
    }

    /** A JSON value as Python's {@code json.dumps(value, ensure_ascii=False)} writes it (what {@code tojson} writes). */
    public static String pythonJson(com.fasterxml.jackson.databind.JsonNode node) {
        return Values.toJson(plain(node), null, JinjaLimits.DEFAULT);
    }

    /** A JSON value as template data: objects as ordered maps, arrays as lists, integers as {@code Long}. */
    public static Object plain(com.fasterxml.jackson.databind.JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(field -> map.put(field.getKey(), plain(field.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(plain(item)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asText();
    }

    private static final class Scope {
        final Map<String, Object> vars;
        final Scope parent;

        Scope(Map<String, Object> vars, Scope parent) {
            this.vars = vars;
            this.parent = parent;
        }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return Values.UNDEFINED;
        }
    }

    private record MacroValue(Node.Macro macro, Scope closure) {
    }

    private static final class LoopControl extends RuntimeException {
        final boolean isBreak;

        LoopControl(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    /** One rendering: the output, what it has spent of its limits, and the evaluation rules. */
    private static final class Run {
        private final StringBuilder out = new StringBuilder();
        private final JinjaLimits limits;
        private final Builtins builtins;
        private int callDepth;
        private long iterations;

        Run(JinjaLimits limits) {
            this.limits = limits;
            this.builtins = new Builtins(limits);
        }

        void nodes(List<Node> nodes, Scope scope) {
            for (Node node : nodes) {
                node(node, scope);
            }
        }

        private void node(Node node, Scope scope) {
            if (node instanceof Node.Text text) {
                write(text.text());
            } else if (node instanceof Node.Output output) {
                write(Values.str(eval(output.value(), scope), limits));
            } else if (node instanceof Node.If branch) {
                for (Node.Branch b : branch.branches()) {
                    if (Values.truthy(eval(b.condition(), scope))) {
                        nodes(b.body(), scope);
                        return;
                    }
                }
                nodes(branch.otherwise(), scope);
            } else if (node instanceof Node.For loop) {
                forLoop(loop, scope);
            } else if (node instanceof Node.Set set) {
                assign(set, scope);
            } else if (node instanceof Node.SetBlock set) {
                scope.vars.put(set.name(), capture(set.body(), scope));
            } else if (node instanceof Node.Macro macro) {
                scope.vars.put(macro.name(), new MacroValue(macro, scope));
            } else if (node instanceof Node.Break) {
                throw new LoopControl(true);
            } else if (node instanceof Node.Continue) {
                throw new LoopControl(false);
            } else if (node instanceof Node.Block block) {
                nodes(block.body(), scope);
            }
        }

        /** Appends to the output; what macros and set blocks capture counts, as it is written here first. */
        private void write(String text) {
            limits.checkChars((long) out.length() + text.length());
            out.append(text);
        }

        private void iteration() {
            if (++iterations > limits.maxLoopIterations()) {
                throw new TemplateLimitException(JinjaLimits.Limit.LOOP_ITERATIONS,
                        "the rendering exceeds the limit of " + limits.maxLoopIterations() + " loop iterations");
            }
        }

        private void assign(Node.Set set, Scope scope) {
            Object value = eval(set.value(), scope);
            if (set.attribute() == null) {
                scope.vars.put(set.name(), value);
                return;
            }
            if (!(scope.get(set.name()) instanceof Values.Namespace namespace)) {
                throw new TemplateException("cannot assign attribute on non-namespace object '" + set.name() + "'");
            }
            namespace.put(set.attribute(), value);
        }

        private void forLoop(Node.For loop, Scope scope) {
            List<Object> items = Values.iterate(eval(loop.iterable(), scope));
            if (loop.filter() != null) {
                List<Object> kept = new ArrayList<>();
                for (Object item : items) {
                    iteration();
                    Scope probe = new Scope(new HashMap<>(), scope);
                    bind(loop.targets(), item, probe);
                    if (Values.truthy(eval(loop.filter(), probe))) {
                        kept.add(item);
                    }
                }
                items = kept;
            }
            if (items.isEmpty()) {
                nodes(loop.otherwise(), scope);
                return;
            }
            for (int i = 0; i < items.size(); i++) {
                iteration();
                Scope iteration = new Scope(new HashMap<>(), scope);
                bind(loop.targets(), items.get(i), iteration);
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("index0", (long) i);
                info.put("index", (long) i + 1);
                info.put("revindex0", (long) (items.size() - i - 1));
                info.put("revindex", (long) (items.size() - i));
                info.put("first", i == 0);
                info.put("last", i == items.size() - 1);
                info.put("length", (long) items.size());
                info.put("previtem", i > 0 ? items.get(i - 1) : Values.UNDEFINED);
                info.put("nextitem", i + 1 < items.size() ? items.get(i + 1) : Values.UNDEFINED);
                iteration.vars.put("loop", info);
                try {
                    nodes(loop.body(), iteration);
                } catch (LoopControl control) {
                    if (control.isBreak) {
                        break;
                    }
                }
            }
        }

        private static void bind(List<String> targets, Object item, Scope scope) {
            if (targets.size() == 1) {
                scope.vars.put(targets.get(0), item);
                return;
            }
            List<Object> parts = Values.iterate(item);
            if (parts.size() != targets.size()) {
                throw new TemplateException("cannot unpack " + parts.size() + " values into " + targets);
            }
            for (int i = 0; i < targets.size(); i++) {
                scope.vars.put(targets.get(i), parts.get(i));
            }
        }

        Object eval(Expr expr, Scope scope) {
            if (expr instanceof Expr.Literal literal) {
                return literal.value();
            }
            if (expr instanceof Expr.Name name) {
                return scope.get(name.name());
            }
            if (expr instanceof Expr.ListOf list) {
                List<Object> values = new ArrayList<>();
                list.items().forEach(item -> values.add(eval(item, scope)));
                return values;
            }
            if (expr instanceof Expr.DictOf dict) {
                Map<String, Object> values = new LinkedHashMap<>();
                for (int i = 0; i < dict.keys().size(); i++) {
                    values.put(Values.str(eval(dict.keys().get(i), scope)), eval(dict.values().get(i), scope));
                }
                return values;
            }
            if (expr instanceof Expr.Attribute attribute) {
                return Values.item(eval(attribute.target(), scope), attribute.name());
            }
            if (expr instanceof Expr.Index index) {
                return Values.item(eval(index.target(), scope), eval(index.index(), scope));
            }
            if (expr instanceof Expr.Slice slice) {
                return Values.slice(eval(slice.target(), scope), optional(slice.start(), scope),
                        optional(slice.stop(), scope), optional(slice.step(), scope));
            }
            if (expr instanceof Expr.Call call) {
                return call(call, scope);
            }
            if (expr instanceof Expr.Filter filter) {
                return builtins.filter(filter.name(), eval(filter.target(), scope), evalAll(filter.args(), scope),
                        evalAll(filter.kwargs(), scope));
            }
            if (expr instanceof Expr.Test test) {
                boolean result = builtins.test(test.name(), eval(test.target(), scope), evalAll(test.args(), scope));
                return test.negated() != result;
            }
            if (expr instanceof Expr.Unary unary) {
                Object operand = eval(unary.operand(), scope);
                return unary.op().equals("not") ? !Values.truthy(operand) : Builtins.negate(operand);
            }
            if (expr instanceof Expr.Binary binary) {
                return binary(binary, scope);
            }
            Expr.Conditional conditional = (Expr.Conditional) expr;
            return Values.truthy(eval(conditional.condition(), scope)) ? eval(conditional.then(), scope)
                    : eval(conditional.otherwise(), scope);
        }

        private Object optional(Expr expr, Scope scope) {
            if (expr == null) {
                return null;
            }
            Object value = eval(expr, scope);
            return value == Values.UNDEFINED ? null : value;
        }

        private List<Object> evalAll(List<Expr> exprs, Scope scope) {
            List<Object> values = new ArrayList<>(exprs.size());
            exprs.forEach(e -> values.add(eval(e, scope)));
            return values;
        }

        private Map<String, Object> evalAll(Map<String, Expr> exprs, Scope scope) {
            Map<String, Object> values = new LinkedHashMap<>();
            exprs.forEach((k, e) -> values.put(k, eval(e, scope)));
            return values;
        }

        private Object binary(Expr.Binary binary, Scope scope) {
            String op = binary.op();
            Object left = eval(binary.left(), scope);
            if (op.equals("and")) {
                return Values.truthy(left) ? eval(binary.right(), scope) : left;
            }
            if (op.equals("or")) {
                return Values.truthy(left) ? left : eval(binary.right(), scope);
            }
            Object right = eval(binary.right(), scope);
            return switch (op) {
                case "==" -> Values.equal(left, right);
                case "!=" -> !Values.equal(left, right);
                case "<" -> Values.compare(left, right) < 0;
                case ">" -> Values.compare(left, right) > 0;
                case "<=" -> Values.compare(left, right) <= 0;
                case ">=" -> Values.compare(left, right) >= 0;
                case "in" -> Builtins.contains(right, left);
                case "~" -> builtins.arithmetic("+", Values.str(left, limits), Values.str(right, limits));
                default -> builtins.arithmetic(op, left, right);
            };
        }

        private Object call(Expr.Call call, Scope scope) {
            List<Object> args = evalAll(call.args(), scope);
            Map<String, Object> kwargs = evalAll(call.kwargs(), scope);
            if (call.callee() instanceof Expr.Attribute method) {
                Object target = eval(method.target(), scope);
                if (!(target instanceof Map<?, ?> map && map.get(method.name()) instanceof MacroValue)) {
                    return builtins.method(target, method.name(), args);
                }
            }
            Object callee = eval(call.callee(), scope);
            if (callee instanceof MacroValue macro) {
                return invoke(macro, args, kwargs);
            }
            if (call.callee() instanceof Expr.Name name) {
                return Globals.call(name.name(), args, kwargs, limits);
            }
            throw new TemplateException("'" + Values.typeName(callee) + "' object is not callable");
        }

        private Object invoke(MacroValue value, List<Object> args, Map<String, Object> kwargs) {
            if (callDepth == limits.maxCallDepth()) {
                throw new TemplateLimitException(JinjaLimits.Limit.CALL_DEPTH,
                        "macro calls nest deeper than the limit of " + limits.maxCallDepth());
            }
            callDepth++;
            try {
                return expand(value, args, kwargs);
            } finally {
                callDepth--;
            }
        }

        private String expand(MacroValue value, List<Object> args, Map<String, Object> kwargs) {
            Node.Macro macro = value.macro();
            Scope scope = new Scope(new HashMap<>(), value.closure());
            for (int i = 0; i < macro.params().size(); i++) {
                String param = macro.params().get(i);
                Object arg = i < args.size() ? args.get(i) : kwargs.containsKey(param) ? kwargs.get(param)
                        : macro.defaults().get(i) != null ? eval(macro.defaults().get(i), value.closure()) : Values.UNDEFINED;
                scope.vars.put(param, arg);
            }
            return capture(macro.body(), scope);
        }

        /**
         * What {@code body} renders, taken off the end of the output: linear in what it renders, where copying the
         * output so far made every macro call and {@code set} block cost the whole prompt (quadratic).
         */
        private String capture(List<Node> body, Scope scope) {
            int mark = out.length();
            try {
                nodes(body, scope);
                return out.substring(mark);
            } finally {
                out.setLength(mark);
            }
        }
    }
}
