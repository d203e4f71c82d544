package dev.baton.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed readers of JSON fields; each failure names the exact param the way the OpenAI API does. */
final class JsonFields {

    private JsonFields() {
    }

    static String optString(JsonNode node, String field) {
        return optString(node, field, "");
    }

    static String optString(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalidType(join(path, field), "a string", value);
        }
        return value.textValue();
    }

    static String requireString(JsonNode node, String field, String path) {
        String value = optString(node, field, path);
        if (value == null) {
            throw missing(join(path, field));
        }
        return value;
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    static ApiException missing(String param) {
        return ApiError.invalidRequest(param, "missing_required_parameter",
                "Missing required parameter: '" + param + "'.").exception();
    }

    static ApiException invalidValue(String param, String value, String supported) {
        return ApiError.invalidRequest(param, "invalid_value",
                "Invalid value: '" + value + "'. Supported values are: " + supported + ".").exception();
    }

    static ApiException invalidType(String param, String expected, JsonNode actual) {
        String where = param.isEmpty() ? "the request body" : "'" + param + "'";
        return ApiError.invalidRequest(param.isEmpty() ? null : param, "invalid_type",
                "Invalid type for " + where + ": expected " + expected + ", but got " + describe(actual) + " instead.")
                .exception();
    }

    static String describe(JsonNode node) {
        if (node == null || node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isIntegralNumber()) {
            return "an integer";
        }
        if (node.isNumber()) {
            return "a decimal";
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
