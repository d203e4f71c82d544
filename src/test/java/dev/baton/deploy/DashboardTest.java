package dev.baton.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard asks only for metrics Baton registers (by name, in its sources). */
class DashboardTest {

    @Test
    void everyBatonMetricTheDashboardQueriesIsOneBatonRegisters() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("k8s/grafana/baton-dashboard.json").toFile());
        Set<String> queried = new TreeSet<>();
        Matcher names = Pattern.compile("\\b(baton_[a-z_]+)").matcher("");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                names.reset(target.path("expr").asText());
                while (names.find()) {
                    queried.add(names.group(1).replaceAll("_(bucket|count|sum)$", ""));
                }
            }
        }
        assertTrue(queried.size() >= 10, queried.toString());
        String sources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            StringBuilder all = new StringBuilder();
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                all.append(Files.readString(file));
            }
            sources = all.toString();
        }
        List<String> unknown = new ArrayList<>();
        for (String name : queried) {
            if (!sources.contains("\"" + name + "\"")) {
                unknown.add(name);
            }
        }
        assertEquals(List.of(), unknown, "metrics the dashboard queries but no source registers");
    }
}
