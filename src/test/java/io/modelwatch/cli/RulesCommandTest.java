package io.modelwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rules check}: a rules file checked as {@code run} checks its own, without a broker. */
class RulesCommandTest {

    /** Exit code, stdout, stderr. */
    static String[] run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void aValidFileIsNamedRuleByRule(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - {name: f1-floor, models: ["fraud*"], metric: f1, below: 0.8}
                  - {name: coverage, models: ["*"], metric: label_coverage, below: 0.5}
                """);
        String[] r = run("rules", "check", rules.toString());
        assertEquals("0", r[0], r[2]);
        assertEquals(rules + ": 2 rules, valid: f1-floor, coverage", r[1].strip());
    }

    @Test
    void everyProblemIsListedAndTheConfigsRollingCounts(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - {name: f1-floor, models: ["fraud*"], metric: f1, below: 1.5}
                  - {name: typo, models: ["*"], metric: acuracy, below: 0.5}
                  - {name: rolled, models: ["*"], metric: accuracy, below: 0.5, rolling: 3}
                """);
        String[] r = run("rules", "check", rules.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("f1-floor") && r[2].contains("acuracy") && r[2].contains("rolling"), r[2]);
        assertEquals("", r[1]);

        Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "rolling: 3\n");
        Path rolled = Files.writeString(dir.resolve("rolled.yaml"), """
                rules:
                  - {name: rolled, models: ["*"], metric: accuracy, below: 0.5, rolling: 3}
                """);
        String[] ok = run("rules", "check", rolled.toString(), "--config", config.toString());
        assertEquals("0", ok[0], ok[2]);
    }

    /** The service's config may name a rules file of its own machine: not this command's concern. */
    @Test
    void theConfigsOwnRulesFileIsNotRead(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("modelwatch.yaml"), "rules-file: /etc/modelwatch/absent.yaml\n");
        Path rules = Files.writeString(dir.resolve("rules.yaml"), "rules: []\n");
        String[] r = run("rules", "check", rules.toString(), "--config", config.toString());
        assertEquals("0", r[0], r[2]);
        String[] p = run("rules", "publish", rules.toString(), "--config", config.toString());
        assertEquals("0", p[0], p[2]);
        assertEquals(rules + ": no rules, nothing to publish", p[1].strip(), "and no broker asked");
    }

    @Test
    void aMissingFileOrConfigIsOneLine(@TempDir Path dir) {
        String[] r = run("rules", "check", dir.resolve("none.yaml").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("cannot read") && r[2].contains("no such file"), r[2]);
        String[] c = run("rules", "check", dir.resolve("none.yaml").toString(), "--config",
                dir.resolve("nope.yaml").toString());
        assertEquals("2", c[0]);
        assertTrue(c[2].contains("config file") && c[2].contains("not readable"), c[2]);
    }
}
