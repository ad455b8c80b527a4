package org.muki.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.muki.MukiException;
import org.muki.integration.Methods;
import org.muki.integration.UncertaintyNormalization;

/**
 * An experiment file (YAML or JSON), bound to records: every key at any depth must be one of
 * these fields with a value of its type, or the file is refused naming the key's path
 * (student.epochs: "four" is not an integer; student.epoch is no setting). Absent settings take
 * the defaults, all of them here, in {@link #DEFAULTS} and the accessors below.
 *
 * @param teachers the teachers' partition and training; per-teacher overrides in teachers.models
 * @param student  the students' starting point and training
 * @param gold     the gold teacher's (all labels); absent: as the teachers
 */
public record ExperimentSettings(String name, DataSettings data, TeacherSettings teachers, ModelSettings student, ModelSettings gold,
                                 Integer mcSamples, Double tau, Double temperature, Double featureWeight, String uncertaintyNormalization,
                                 List<String> methods, List<Long> seeds, Integer batchSize, Integer maxLength) {

    /** Where the data comes from: the WordNet or Brown task, or train/test files with their columns. */
    public record DataSettings(String train, String test, String idColumn, String textColumn, String textPairColumn, String labelColumn,
                               List<String> labelNames, Integer transferSize, Integer testSize, WordNetSettings wordnet,
                               BrownSettings brown) {}

    public record WordNetSettings(Integer cap, Long seed, List<String> classes) {}

    public record BrownSettings(Integer sentences) {}

    /**
     * A model to train: fresh weights of a config (with the run's vocabulary) or a checkpoint
     * (directory or pre-trained name) to fine-tune; exactly one of the two.
     */
    public record ModelSettings(String config, String init, Integer epochs, Double lr) {}

    /**
     * The teachers: a partition (N teachers over the sorted labels, or lists of label names),
     * their shared settings, and per teacher (models, one per block) settings that override them.
     */
    public record TeacherSettings(JsonNode partition, String config, String init, Integer epochs, Double lr, List<ModelSettings> models) {}

    /** Every default of an experiment. */
    public static final ExperimentSettings DEFAULTS = new ExperimentSettings("experiment", null, null, null, null, 16, 0.2, 1.0, null, "percentile",
            Methods.NAMES, List.of(1L), 32, 128);
    static final String DEFAULT_CONFIG = "models/tiny.json";
    static final int DEFAULT_EPOCHS = 3, DEFAULT_WORDNET_CAP = 2000, DEFAULT_BROWN_SENTENCES = 3;
    static final double DEFAULT_LR = 5e-4;

    public String nameOrDefault() {
        return name != null ? name : DEFAULTS.name;
    }

    public int mcSamplesOrDefault() {
        return mcSamples != null ? mcSamples : DEFAULTS.mcSamples;
    }

    public double tauOrDefault() {
        return tau != null ? tau : DEFAULTS.tau;
    }

    public double temperatureOrDefault() {
        return temperature != null ? temperature : DEFAULTS.temperature;
    }

    /** The feature methods' weight, or null for each method's own default (Methods.defaultFeatureWeight). */
    public Double featureWeightOrDefault() {
        return featureWeight;
    }

    public String normalizationOrDefault() {
        return uncertaintyNormalization != null ? uncertaintyNormalization : DEFAULTS.uncertaintyNormalization;
    }

    public List<String> methodsOrDefault() {
        return methods != null && !methods.isEmpty() ? methods : DEFAULTS.methods;
    }

    public List<Long> seedsOrDefault() {
        return seeds != null && !seeds.isEmpty() ? seeds : DEFAULTS.seeds;
    }

    public int batchSizeOrDefault() {
        return batchSize != null ? batchSize : DEFAULTS.batchSize;
    }

    public int maxLengthOrDefault() {
        return maxLength != null ? maxLength : DEFAULTS.maxLength;
    }

    public int transferSize() {
        return data.transferSize() != null ? data.transferSize() : 0;
    }

    public int testSize() {
        return data.testSize() != null ? data.testSize() : 0;
    }

    /** Teacher i's settings: its own entry of teachers.models over the shared ones. */
    public ModelSettings teacher(int i) {
        TeacherSettings t = teachers != null ? teachers : new TeacherSettings(null, null, null, null, null, null);
        ModelSettings own = t.models() != null && i < t.models().size() ? t.models().get(i) : new ModelSettings(null, null, null, null);
        ModelSettings shared = new ModelSettings(t.config(), t.init(), t.epochs(), t.lr());
        return complete(own.config() != null || own.init() != null ? new ModelSettings(own.config(), own.init(), null, null) : shared,
                own.epochs() != null ? own.epochs() : shared.epochs(), own.lr() != null ? own.lr() : shared.lr());
    }

    /** The gold teacher's: gold's own over the teachers' shared ones. */
    public ModelSettings goldOrDefault() {
        ModelSettings shared = teacher(Integer.MAX_VALUE);
        if (gold == null) return shared;
        return complete(gold.config() != null || gold.init() != null ? gold : shared, gold.epochs() != null ? gold.epochs() : shared.epochs(),
                gold.lr() != null ? gold.lr() : shared.lr());
    }

    public ModelSettings studentOrDefault() {
        ModelSettings s = student != null ? student : new ModelSettings(null, null, null, null);
        return complete(s, s.epochs(), s.lr());
    }

    private static ModelSettings complete(ModelSettings where, Integer epochs, Double lr) {
        String config = where.config() == null && where.init() == null ? DEFAULT_CONFIG : where.config();
        return new ModelSettings(config, where.init(), epochs != null ? epochs : DEFAULT_EPOCHS, lr != null ? lr : DEFAULT_LR);
    }

    /** The JsonNode partition: 2 for the spec's default partition into two teachers. */
    public JsonNode partitionOrDefault() {
        return teachers != null && teachers.partition() != null ? teachers.partition() : com.fasterxml.jackson.databind.node.IntNode.valueOf(2);
    }

    private static final ObjectMapper YAML = strict(JsonMapper.builder(new YAMLFactory())), JSON = strict(JsonMapper.builder());

    private static ObjectMapper strict(JsonMapper.Builder b) {
        ObjectMapper m = b.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT, DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
        // No text where a number goes, no number where text goes ("four" epochs, 5 as a name).
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return m;
    }

    /** A file (.yaml, .yml, .json) or the name of a bundled experiment (wordnet-3-teachers, ...). */
    public static ExperimentSettings load(String source) {
        String text;
        boolean json = source.endsWith(".json");
        if (!source.endsWith(".yaml") && !source.endsWith(".yml") && !json) {
            try (InputStream in = ExperimentSettings.class.getResourceAsStream("/experiments/" + source + ".yaml")) {
                if (in == null) throw new MukiException(source + ": no such file or bundled experiment (" + String.join(", ", bundled()) + ")");
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new MukiException(source + ": cannot read (" + e.getMessage() + ")");
            }
        } else {
            Path p = Path.of(source);
            if (!Files.isRegularFile(p)) throw new MukiException(source + ": missing");
            try {
                text = Files.readString(p);
            } catch (IOException e) {
                throw new MukiException(source + ": cannot read (" + e.getMessage() + ")");
            }
        }
        return parse(source, text, json);
    }

    static List<String> bundled() {
        return List.of("wordnet-3-teachers", "wordnet-2-teachers", "wordnet-minilm", "wordnet-heterogeneous", "brown-demo", "brown-3-teachers");
    }

    /** Binds and checks the text; every mistake is one line naming the source and the key. */
    public static ExperimentSettings parse(String source, String text, boolean json) {
        ExperimentSettings s;
        try {
            s = (json ? JSON : YAML).readValue(text, ExperimentSettings.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : " (known there: " + e.getKnownPropertyIds().stream().map(Object::toString)
                    .sorted().collect(Collectors.joining(", ")) + ")";
            throw new MukiException(source + ": unknown setting '" + path(e) + "'" + known);
        } catch (JsonMappingException e) {
            String p = path(e);
            throw new MukiException(source + ": " + (p.isEmpty() ? "" : "setting '" + p + "': ") + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new MukiException(source + ": malformed: " + firstLine(e.getOriginalMessage()));
        }
        if (s == null) throw new MukiException(source + ": empty (expected a mapping of settings)");
        s.check(source);
        return s;
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) b.append(b.length() > 0 ? "." : "").append(r.getFieldName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) return "invalid";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).replaceAll(" \\(class [^)]*\\)", "").replaceAll("`[a-zA-Z.$]+`", "the setting's type");
    }

    /** What the types cannot say: ranges, one of config/init, known methods, the partition's form. */
    void check(String source) {
        if (data == null) throw new MukiException(source + ": setting 'data' is missing (wordnet, brown, or train and test files)");
        int kinds = (data.wordnet() != null ? 1 : 0) + (data.brown() != null ? 1 : 0) + (data.train() != null || data.test() != null ? 1 : 0);
        if (kinds != 1) throw new MukiException(source + ": setting 'data' needs exactly one of wordnet, brown, or train and test files");
        if ((data.train() == null) != (data.test() == null)) throw new MukiException(source + ": setting 'data' needs both train and test");
        positive(source, "mc_samples", mcSamples);
        positive(source, "batch_size", batchSize);
        positive(source, "max_length", maxLength);
        nonNegative(source, "data.transfer_size", data.transferSize());
        nonNegative(source, "data.test_size", data.testSize());
        if (tau != null && !(tau > 0)) throw new MukiException(source + ": setting 'tau' must be positive, got " + tau);
        if (temperature != null && !(temperature > 0)) throw new MukiException(source + ": setting 'temperature' must be positive, got " + temperature);
        if (featureWeight != null && !(featureWeight >= 0)) {
            throw new MukiException(source + ": setting 'feature_weight' must not be negative, got " + featureWeight);
        }
        try {
            UncertaintyNormalization.kind(normalizationOrDefault());
        } catch (MukiException e) {
            throw new MukiException(source + ": setting 'uncertainty_normalization': " + e.getMessage());
        }
        for (String m : methodsOrDefault()) {
            try {
                Methods.check(m);
            } catch (MukiException e) {
                throw new MukiException(source + ": setting 'methods': " + e.getMessage());
            }
        }
        model(source, "student", student);
        model(source, "gold", gold);
        if (teachers != null) {
            model(source, "teachers", new ModelSettings(teachers.config(), teachers.init(), teachers.epochs(), teachers.lr()));
            if (teachers.models() != null) {
                for (int i = 0; i < teachers.models().size(); i++) model(source, "teachers.models[" + i + "]", teachers.models().get(i));
            }
            JsonNode p = teachers.partition();
            if (p != null && !(p.isInt() || (p.isArray() && p.size() > 0))) {
                throw new MukiException(source + ": setting 'teachers.partition' must be a number of teachers or a list of label lists");
            }
            if (p != null && p.isArray()) {
                for (int i = 0; i < p.size(); i++) {
                    if (!p.get(i).isArray() || p.get(i).isEmpty()) {
                        throw new MukiException(source + ": setting 'teachers.partition[" + i + "]' must be a non-empty list of label names");
                    }
                    for (JsonNode l : p.get(i)) {
                        if (!l.isTextual()) throw new MukiException(source + ": setting 'teachers.partition[" + i + "]' holds " + l + ", not a label name");
                    }
                }
                if (teachers.models() != null && teachers.models().size() != p.size()) {
                    throw new MukiException(source + ": setting 'teachers.models' has " + teachers.models().size() + " entries for "
                            + p.size() + " teachers");
                }
            }
        }
    }

    private static void model(String source, String key, ModelSettings m) {
        if (m == null) return;
        if (m.config() != null && m.init() != null) throw new MukiException(source + ": setting '" + key + "' gives both config and init");
        positive(source, key + ".epochs", m.epochs());
        if (m.lr() != null && !(m.lr() > 0 && m.lr() < 1)) throw new MukiException(source + ": setting '" + key + ".lr' must be in (0, 1), got " + m.lr());
    }

    private static void positive(String source, String key, Integer v) {
        if (v != null && v < 1) throw new MukiException(source + ": setting '" + key + "' must be at least 1, got " + v);
    }

    private static void nonNegative(String source, String key, Integer v) {
        if (v != null && v < 0) throw new MukiException(source + ": setting '" + key + "' must not be negative, got " + v);
    }
}
