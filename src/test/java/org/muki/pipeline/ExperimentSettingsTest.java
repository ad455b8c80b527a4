package org.muki.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.muki.MukiException;

/** Experiment settings bound to records: mistakes at any depth are refused naming the key's path; defaults fill the rest. */
class ExperimentSettingsTest {
    static final String DATA = "data: {wordnet: {cap: 100}, transfer_size: 50}\n";

    static String refusal(String yaml) {
        return assertThrows(MukiException.class, () -> ExperimentSettings.parse("x.yaml", DATA + yaml, false)).getMessage();
    }

    @Test
    void unknownOrMistypedKeysAtAnyDepthAreRefusedWithTheirPath() {
        String[][] cases = {
                {"student: {epoch: 5}", "unknown setting 'student.epoch'"},
                {"student: {epochs: \"four\"}", "setting 'student.epochs'"},
                {"student: {epochs: 2.5}", "setting 'student.epochs'"},
                {"teachers: {models: [{init: a}, {lr: x}]}", "setting 'teachers.models[1].lr'"},
                {"teachers: {models: [{init: a, depth: 3}]}", "unknown setting 'teachers.models[0].depth'"},
                {"mc_sample: 8", "unknown setting 'mc_sample'"},
                {"mc_samples: 0", "setting 'mc_samples' must be at least 1"},
                {"seeds: [1, two]", "setting 'seeds[1]'"},
                {"methods: [muki-soft, no-such-method]", "setting 'methods'"},
                {"student: {config: models/tiny.json, init: all-minilm-l6-v2}", "setting 'student' gives both config and init"},
                {"uncertainty_normalization: rank", "rank"},
                {"tau: 0", "setting 'tau' must be positive"},
                {"teachers: {partition: [[a, b], []]}", "setting 'teachers.partition[1]'"},
                {"teachers: {partition: [[a], [b]], models: [{init: x}]}", "'teachers.models' has 1 entries for 2 teachers"},
        };
        for (String[] c : cases) {
            String m = refusal(c[0]);
            assertTrue(m.startsWith("x.yaml: ") && m.contains(c[1]) && !m.contains("\n"), c[0] + " -> " + m);
        }
        assertTrue(refusal("mc_samples: 4\nmc_samples: 8").contains("mc_samples"), "a key given twice");
        String noData = assertThrows(MukiException.class, () -> ExperimentSettings.parse("x.yaml", "seeds: [1]", false)).getMessage();
        assertTrue(noData.contains("'data' is missing"), noData);
        String json = assertThrows(MukiException.class, () -> ExperimentSettings.parse("x.json",
                "{\"data\": {\"brown\": {}}, \"student\": {\"lr\": \"fast\"}}", true)).getMessage();
        assertTrue(json.contains("setting 'student.lr'"), json);
    }

    @Test
    void defaultsLiveInOnePlaceAndTeachersOverrideThemOneByOne() {
        ExperimentSettings s = ExperimentSettings.parse("x.yaml", DATA + String.join("\n",
                "teachers:",
                "  partition: [[a], [b], [c]]",
                "  init: all-minilm-l6-v2",
                "  epochs: 2",
                "  models: [{}, {lr: 3.0e-4}, {config: models/tiny.json, epochs: 4}]",
                "gold: {epochs: 1}"), false);
        assertEquals(16, s.mcSamplesOrDefault());
        assertEquals(0.2, s.tauOrDefault());
        assertEquals("percentile", s.normalizationOrDefault());
        assertEquals(ExperimentSettings.DEFAULTS.methods(), s.methodsOrDefault());
        assertEquals(new ExperimentSettings.ModelSettings(null, "all-minilm-l6-v2", 2, ExperimentSettings.DEFAULT_LR), s.teacher(0));
        assertEquals(new ExperimentSettings.ModelSettings(null, "all-minilm-l6-v2", 2, 3e-4), s.teacher(1));
        assertEquals(new ExperimentSettings.ModelSettings("models/tiny.json", null, 4, ExperimentSettings.DEFAULT_LR), s.teacher(2));
        assertEquals(new ExperimentSettings.ModelSettings(null, "all-minilm-l6-v2", 1, ExperimentSettings.DEFAULT_LR), s.goldOrDefault());
        ExperimentSettings.ModelSettings student = s.studentOrDefault();
        assertEquals(ExperimentSettings.DEFAULT_CONFIG, student.config());
        assertNull(student.init());
    }

    @Test
    void aRunFolderAcceptsItsOwnSettingsAgainAndRefusesOthers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        for (String name : ExperimentSettings.bundled()) {
            java.nio.file.Path out = dir.resolve(name);
            ExperimentSettings s = ExperimentSettings.load(name);
            Experiment.checkSameSettings(out, s); // writes settings.json
            Experiment.checkSameSettings(out, s); // a continued run: the same settings, read back from the file
            Experiment.checkSameSettings(out, ExperimentSettings.load(name)); // and loaded anew
        }
        java.nio.file.Path out = dir.resolve("wordnet-3-teachers");
        ExperimentSettings other = ExperimentSettings.parse("x.yaml", "data: {wordnet: {cap: 2000, seed: 1}, transfer_size: 4000, test_size: 1500}\n"
                + "teachers: {partition: [[person, animal, plant, food], [artifact, substance, location, state], [act, communication, cognition, attribute]],"
                + " config: models/tiny.json, epochs: 4, lr: 5.0e-4}\nstudent: {config: models/tiny.json, epochs: 4, lr: 5.0e-4}\n", false);
        String msg = assertThrows(org.muki.MukiException.class, () -> Experiment.checkSameSettings(out, other)).getMessage();
        assertTrue(msg.contains("other settings (data"), msg);
    }

    @Test
    void everyBundledExperimentLoads() {
        for (String name : ExperimentSettings.bundled()) {
            ExperimentSettings s = ExperimentSettings.load(name);
            assertEquals(name, s.name(), name);
        }
        String m = assertThrows(MukiException.class, () -> ExperimentSettings.load("no-such-experiment")).getMessage();
        assertTrue(m.contains("no such file or bundled experiment") && m.contains("wordnet-minilm"), m);
    }
}
