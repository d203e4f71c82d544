package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Recursive-descent parser of Jinja expressions, with Jinja's precedence. */
final class ExprParser {

    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", ">", "<=", ">=");
    private final List<String> tokens;
    private final int line;
    private int pos;

    private ExprParser(List<String> tokens, int line) {
        this.tokens = tokens;
        this.line = line;
    }

    static Expr parse(String source, int line) {
        ExprParser parser = new ExprParser(ExprTokens.split(source, line), line);
        Expr expr = parser.expression();
        parser.expectEnd();
        return expr;
    }

    /** Parses from a position in a statement, returning the parser to read what follows. */
    static ExprParser over(String source, int line) {
        return new ExprParser(ExprTokens.split(source, line), line);
    }

    Expr expression() {
        Expr value = or();
        if (accept("if")) {
            Expr condition = or();
            Expr otherwise = accept("else") ? expression() : new Expr.Literal(Values.UNDEFINED);
            return new Expr.Conditional(condition, value, otherwise);
        }
        return value;
    }

    /** An expression without the trailing {@code if ... else}: for loop filters ({@code for x in xs if cond}). */
    Expr orExpression() {
        return or();
    }

    String name() {
        String token = next();
        if (!Character.isLetter(token.charAt(0)) && token.charAt(0) != '_') {
            throw error("expected a name, found '" + token + "'");
        }
        return token;
    }

    boolean accept(String token) {
        if (pos < tokens.size() && tokens.get(pos).equals(token)) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(String token) {
        if (!accept(token)) {
            throw error("expected '" + token + "'" + (pos < tokens.size() ? ", found '" + tokens.get(pos) + "'" : ""));
        }
    }

    boolean atEnd() {
        return pos >= tokens.size();
    }

    String peek() {
        return pos < tokens.size() ? tokens.get(pos) : "";
    }

    void expectEnd() {
        if (!atEnd()) {
            throw error("unexpected '" + tokens.get(pos) + "'");
        }
    }

    private Expr or() {
        Expr left = and();
        while (accept("or")) {
            left = new Expr.Binary("or", left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (accept("and")) {
            left = new Expr.Binary("and", left, not());
        }
        return left;
    }

    private Expr not() {
        if (accept("not")) {
            return new Expr.Unary("not", not());
        }
        return comparison();
    }

    private Expr comparison() {
        Expr left = concatenation();
        while (true) {
            if (pos < tokens.size() && COMPARISONS.contains(tokens.get(pos))) {
                String op = next();
                left = new Expr.Binary(op, left, concatenation());
            } else if (accept("in")) {
                left = new Expr.Binary("in", left, concatenation());
            } else if (peek().equals("not") && pos + 1 < tokens.size() && tokens.get(pos + 1).equals("in")) {
                pos += 2;
                left = new Expr.Unary("not", new Expr.Binary("in", left, concatenation()));
            } else if (accept("is")) {
                boolean negated = accept("not");
                String test = name();
                List<Expr> args = new ArrayList<>();
                if (accept("(")) {
                    args = arguments(new LinkedHashMap<>());
                } else if (!atEnd() && startsPrimary(peek())) {
                    args.add(concatenation());
                }
                left = new Expr.Test(left, test, args, negated);
            } else {
                return left;
            }
        }
    }

    private static boolean startsPrimary(String token) {
        return !token.isEmpty() && (Character.isLetterOrDigit(token.charAt(0)) || token.charAt(0) == '\''
                || token.charAt(0) == '"') && !Set.of("and", "or", "else", "if", "in", "is", "not").contains(token);
    }

    private Expr concatenation() {
        Expr left = additive();
        while (accept("~")) {
            left = new Expr.Binary("~", left, additive());
        }
        return left;
    }

    private Expr additive() {
        Expr left = multiplicative();
        while (peek().equals("+") || peek().equals("-")) {
            String op = next();
            left = new Expr.Binary(op, left, multiplicative());
        }
        return left;
    }

    private Expr multiplicative() {
        Expr left = unary();
        while (peek().equals("*") || peek().equals("/") || peek().equals("//") || peek().equals("%")) {
            String op = next();
            left = new Expr.Binary(op, left, unary());
        }
        return left;
    }

    private Expr unary() {
        if (accept("-")) {
            return new Expr.Unary("-", unary());
        }
        if (accept("+")) {
            return unary();
        }
        return filtered();
    }

    private Expr filtered() {
        Expr value = postfix();
        while (accept("|")) {
            String filter = name();
            Map<String, Expr> kwargs = new LinkedHashMap<>();
            List<Expr> args = accept("(") ? arguments(kwargs) : List.of();
            value = new Expr.Filter(value, filter, args, kwargs);
        }
        return value;
    }

    private Expr postfix() {
        Expr value = primary();
        while (true) {
            if (accept(".")) {
                value = new Expr.Attribute(value, name());
            } else if (accept("[")) {
                value = subscript(value);
            } else if (accept("(")) {
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                value = new Expr.Call(value, arguments(kwargs), kwargs);
            } else {
                return value;
            }
        }
    }

    private Expr subscript(Expr target) {
        Expr start = null;
        if (!peek().equals(":")) {
            start = expression();
            if (accept("]")) {
                return new Expr.Index(target, start);
            }
        }
        expect(":");
        Expr stop = peek().equals(":") || peek().equals("]") ? null : expression();
        Expr step = null;
        if (accept(":")) {
            step = peek().equals("]") ? null : expression();
        }
        expect("]");
        return new Expr.Slice(target, start, stop, step);
    }

    private List<Expr> arguments(Map<String, Expr> kwargs) {
        List<Expr> args = new ArrayList<>();
        while (!accept(")")) {
            if (pos + 1 < tokens.size() && tokens.get(pos + 1).equals("=") && Character.isLetter(peek().charAt(0))) {
                String key = next();
                pos++;
                kwargs.put(key, expression());
            } else {
                args.add(expression());
            }
            if (!accept(",")) {
                expect(")");
                break;
            }
        }
        return args;
    }

    private Expr primary() {
        String token = next();
        char first = token.charAt(0);
        if (first == '\'' || first == '"') {
            StringBuilder text = new StringBuilder(token.substring(1));
            while (!atEnd() && (peek().charAt(0) == '\'' || peek().charAt(0) == '"')) {
                text.append(next().substring(1)); // adjacent literals concatenate
            }
            return new Expr.Literal(text.toString());
        }
        if (Character.isDigit(first)) {
            return new Expr.Literal(token.contains(".") || token.contains("e") ? (Object) Double.parseDouble(token)
                    : (Object) Long.parseLong(token));
        }
        switch (token) {
            case "(" -> {
                if (accept(")")) {
                    return new Expr.ListOf(List.of());
                }
                Expr inner = expression();
                if (accept(",")) { // a tuple: read as a list
                    List<Expr> items = new ArrayList<>(List.of(inner));
                    while (!accept(")")) {
                        items.add(expression());
                        if (!accept(",")) {
                            expect(")");
                            break;
                        }
                    }
                    return new Expr.ListOf(items);
                }
                expect(")");
                return inner;
            }
            case "[" -> {
                List<Expr> items = new ArrayList<>();
                while (!accept("]")) {
                    items.add(expression());
                    if (!accept(",")) {
                        expect("]");
                        break;
                    }
                }
                return new Expr.ListOf(items);
            }
            case "{" -> {
                List<Expr> keys = new ArrayList<>();
                List<Expr> values = new ArrayList<>();
                while (!accept("}")) {
                    keys.add(expression());
                    expect(":");
                    values.add(expression());
                    if (!accept(",")) {
                        expect("}");
                        break;
                    }
                }
                return new Expr.DictOf(keys, values);
            }
            case "true", "True" -> {
                return new Expr.Literal(Boolean.TRUE);
            }
            case "false", "False" -> {
                return new Expr.Literal(Boolean.FALSE);
            }
            case "none", "None" -> {
                return new Expr.Literal(null);
            }
            default -> {
                if (Character.isLetter(first) || first == '_') {
                    return new Expr.Name(token);
                }
                throw error("unexpected '" + token + "'");
            }
        }
    }

    private String next() {
        if (pos >= tokens.size()) {
            throw error("unexpected end of expression");
        }
        return tokens.get(pos++);
    }

    private TemplateException error(String message) {
        return new TemplateException("line " + line + ": " + message);
    }
}
