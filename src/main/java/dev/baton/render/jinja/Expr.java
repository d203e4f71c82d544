package dev.baton.render.jinja;

import java.util.List;
import java.util.Map;

/** A parsed expression. */
sealed interface Expr {

    record Literal(Object value) implements Expr {
    }

    record Name(String name) implements Expr {
    }

    record ListOf(List<Expr> items) implements Expr {
    }

    record DictOf(List<Expr> keys, List<Expr> values) implements Expr {
    }

    record Attribute(Expr target, String name) implements Expr {
    }

    record Index(Expr target, Expr index) implements Expr {
    }

    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {
    }

    /** A call: a global function, a macro, or a method ({@code target.name(...)} with a {@link Attribute} callee). */
    record Call(Expr callee, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
    }

    record Filter(Expr target, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
    }

    record Test(Expr target, String name, List<Expr> args, boolean negated) implements Expr {
    }

    record Unary(String op, Expr operand) implements Expr {
    }

    record Binary(String op, Expr left, Expr right) implements Expr {
    }

    record Conditional(Expr condition, Expr then, Expr otherwise) implements Expr {
    }
}
