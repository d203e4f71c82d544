package dev.baton.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Checks every setting before anything else starts; an invalid one stops the start (see {@link SettingsCheck}). */
@ApplicationScoped
class StartupValidation {

    void validate(@Observes @Priority(1) StartupEvent start, BatonConfig config) {
        SettingsCheck.validate(config);
    }
}
