package dev.baton.render.jinja;

import java.util.List;

/** A parsed template statement. */
sealed interface Node {

    record Text(String text) implements Node {
    }

    record Output(Expr value) implements Node {
    }

    record Branch(Expr condition, List<Node> body) {
    }

    record If(List<Branch> branches, List<Node> otherwise) implements Node {
    }

    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise) implements Node {
    }

    /** {@code set name = value} or {@code set name.attribute = value} (a namespace). */
    record Set(String name, String attribute, Expr value) implements Node {
    }

    /** {@code {% set name %}...{% endset %}}: the rendered body. */
    record SetBlock(String name, List<Node> body) implements Node {
    }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {
    }

    record Break() implements Node {
    }

    record Continue() implements Node {
    }

    /** A block rendered as is ({@code generation}, transformers' assistant-mask marker). */
    record Block(List<Node> body) implements Node {
    }
}
