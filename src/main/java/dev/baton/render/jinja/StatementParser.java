package dev.baton.render.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds the statement tree from the lexer's pieces. */
final class StatementParser {

    private final List<Lexer.Piece> pieces;
    private int pos;

    private StatementParser(List<Lexer.Piece> pieces) {
        this.pieces = pieces;
    }

    static List<Node> parse(String source) {
        StatementParser parser = new StatementParser(Lexer.split(source));
        List<Node> nodes = parser.block(Set.of());
        if (parser.pos < parser.pieces.size()) {
            Lexer.Piece stray = parser.pieces.get(parser.pos);
            throw new TemplateException("line " + stray.line() + ": unexpected {% " + stray.content() + " %}");
        }
        return nodes;
    }

    /** Nodes until a statement whose keyword is in {@code ends} (left unread), or the end. */
    private List<Node> block(Set<String> ends) {
        List<Node> nodes = new ArrayList<>();
        while (pos < pieces.size()) {
            Lexer.Piece piece = pieces.get(pos);
            switch (piece.kind()) {
                case TEXT -> {
                    nodes.add(new Node.Text(piece.content()));
                    pos++;
                }
                case EXPRESSION -> {
                    nodes.add(new Node.Output(ExprParser.parse(piece.content(), piece.line())));
                    pos++;
                }
                case STATEMENT -> {
                    if (ends.contains(keyword(piece))) {
                        return nodes;
                    }
                    pos++;
                    nodes.add(statement(piece));
                }
            }
        }
        if (!ends.isEmpty()) {
            throw new TemplateException("template ends inside a block: expected one of " + ends);
        }
        return nodes;
    }

    private static String keyword(Lexer.Piece piece) {
        String content = piece.content();
        int space = 0;
        while (space < content.length() && (Character.isLetterOrDigit(content.charAt(space)) || content.charAt(space) == '_')) {
            space++;
        }
        return content.substring(0, space);
    }

    private Node statement(Lexer.Piece piece) {
        String keyword = keyword(piece);
        String rest = piece.content().substring(keyword.length());
        int line = piece.line();
        return switch (keyword) {
            case "if" -> ifStatement(rest, line);
            case "for" -> forStatement(rest, line);
            case "set" -> setStatement(rest, line);
            case "macro" -> macro(rest, line);
            case "break" -> new Node.Break();
            case "continue" -> new Node.Continue();
            case "generation" -> {
                List<Node> body = block(Set.of("endgeneration"));
                end("endgeneration");
                yield new Node.Block(body);
            }
            default -> throw new TemplateException("line " + line + ": unknown statement '" + keyword + "'");
        };
    }

    private Node ifStatement(String condition, int line) {
        List<Node.Branch> branches = new ArrayList<>();
        Expr current = ExprParser.parse(condition, line);
        List<Node> otherwise = List.of();
        while (true) {
            List<Node> body = block(Set.of("elif", "else", "endif"));
            branches.add(new Node.Branch(current, body));
            Lexer.Piece end = pieces.get(pos++);
            String keyword = keyword(end);
            if (keyword.equals("elif")) {
                current = ExprParser.parse(end.content().substring(4), end.line());
            } else if (keyword.equals("else")) {
                otherwise = block(Set.of("endif"));
                end("endif");
                break;
            } else {
                break;
            }
        }
        return new Node.If(branches, otherwise);
    }

    private Node forStatement(String header, int line) {
        ExprParser parser = ExprParser.over(header, line);
        List<String> targets = new ArrayList<>();
        targets.add(parser.name());
        while (parser.accept(",")) {
            targets.add(parser.name());
        }
        parser.expect("in");
        Expr iterable = parser.orExpression();
        Expr filter = parser.accept("if") ? parser.orExpression() : null;
        parser.accept("recursive");
        parser.expectEnd();
        List<Node> body = block(Set.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (keyword(pieces.get(pos)).equals("else")) {
            pos++;
            otherwise = block(Set.of("endfor"));
        }
        end("endfor");
        return new Node.For(targets, iterable, filter, body, otherwise);
    }

    private Node setStatement(String rest, int line) {
        ExprParser parser = ExprParser.over(rest, line);
        String name = parser.name();
        String attribute = parser.accept(".") ? parser.name() : null;
        if (parser.atEnd()) {
            List<Node> body = block(Set.of("endset"));
            end("endset");
            return new Node.SetBlock(name, body);
        }
        parser.expect("=");
        Expr value = parser.expression();
        parser.expectEnd();
        return new Node.Set(name, attribute, value);
    }

    private Node macro(String header, int line) {
        ExprParser parser = ExprParser.over(header, line);
        String name = parser.name();
        parser.expect("(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!parser.accept(")")) {
            params.add(parser.name());
            defaults.add(parser.accept("=") ? parser.expression() : null);
            if (!parser.accept(",")) {
                parser.expect(")");
                break;
            }
        }
        List<Node> body = block(Set.of("endmacro"));
        end("endmacro");
        return new Node.Macro(name, params, defaults, body);
    }

    private void end(String keyword) {
        if (pos >= pieces.size() || !keyword(pieces.get(pos)).equals(keyword)) {
            throw new TemplateException("expected {% " + keyword + " %}");
        }
        pos++;
    }
}
