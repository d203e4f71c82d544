package dev.baton.deploy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The probes the manifests declare answer on a running Baton, on the port they name. */
@QuarkusTest
class K8sProbesTest {

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void everyProbeAnswersOnARunningBaton(String overlay) throws Exception {
        Container container = Manifests.baton(Manifests.render(overlay)).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        List<Probe> probes = new ArrayList<>(List.of(container.getStartupProbe(), container.getReadinessProbe(),
                container.getLivenessProbe()));
        for (Probe probe : probes) {
            HTTPGetAction get = probe.getHttpGet();
            ContainerPort port = container.getPorts().stream()
                    .filter(p -> p.getName().equals(get.getPort().getStrVal())).findFirst().orElseThrow();
            // the container port is the one Baton listens on outside tests: quarkus.http.port as the packaged
            // application sets it (no profile), else Quarkus's default 8080
            assertEquals(packagedHttpPort(), port.getContainerPort().intValue(), overlay);
            given().when().get(get.getPath()).then().statusCode(200);
        }
    }

    private static int packagedHttpPort() throws Exception {
        Matcher m = Pattern.compile("(?m)^quarkus\\.http\\.port=(\\d+)$")
                .matcher(Files.readString(Path.of("src/main/resources/application.properties")));
        return m.find() ? Integer.parseInt(m.group(1)) : 8080;
    }
}
