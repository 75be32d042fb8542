package io.sipstream.app;

import io.sipstream.billing.rating.RateDeckLoader;
import io.sipstream.app.KnownSettings.Reader;
import io.sipstream.platform.config.Settings;
import io.sipstream.platform.kafka.KafkaSettings;
import io.sipstream.platform.progress.JobProgress;
import io.sipstream.registry.RegistryConfig;
import io.sipstream.registry.RegistryService;
import io.sipstream.registry.importer.ImportOptions;
import io.sipstream.registry.importer.RedisImporter;
import io.sipstream.registry.importer.Report;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** One-shot operator tools; they take the services' settings (--config FILE, --key=value, SIPSTREAM_*). */
final class ToolCommands {

    @Command(name = "import-redis", mixinStandardHelpOptions = true,
            description = "Import accounts and numbers from another backend's Redis keyspace (user id in the key, number in the value).")
    static final class ImportRedis implements Callable<Integer> {
        @Option(names = "--source", required = true, description = "the other backend's Redis, e.g. redis://old-host:6379/0")
        String source;

        @Option(names = "--pattern", required = true, description = "SCAN pattern of its keys, e.g. 'catapult_jid-*'")
        String pattern;

        @Option(names = "--key-regex", required = true, description = "regex with one group capturing the user id, e.g. 'catapult_jid-(.+)'")
        String keyRegex;

        @Option(names = "--account-id", defaultValue = ImportOptions.USER, description = "account id template (default ${DEFAULT-VALUE})")
        String accountId;

        @Option(names = "--region", defaultValue = "US", description = "region for national numbers (default ${DEFAULT-VALUE})")
        String region;

        @Option(names = "--dry-run", description = "report what would be done, write nothing")
        boolean dryRun;

        @Unmatched
        List<String> settings = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Settings s = KnownSettings.read(spec.qualifiedName(), settings.toArray(String[]::new), System.getenv(),
                    EnumSet.of(Reader.REGISTRY), spec.commandLine().getErr());
            try (RedisImporter importer = RegistryService.openImporter(RegistryConfig.from(s))) {
                JobProgress progress = new JobProgress();
                Report report;
                try (ProgressPrinter printer = ProgressPrinter.onStderr("import-redis", progress, spec.commandLine().getErr())) {
                    report = importer.run(new ImportOptions(source, pattern, keyRegex, accountId, region, dryRun), progress);
                }
                System.out.println(report.summary());
                return report.skipped().isEmpty() ? 0 : 2;
            }
        }
    }

    @Command(name = "load-rates", mixinStandardHelpOptions = true,
            description = "Replace a rate deck from a CSV file (prefix,price_per_minute,currency,first_increment,next_increment[,connection_fee]).")
    static final class LoadRates implements Callable<Integer> {
        @Option(names = "--deck", required = true, description = "deck id; 'default' rates every account without its own")
        String deck;

        @Option(names = "--file", required = true, description = "the CSV file")
        Path file;

        @Unmatched
        List<String> settings = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Settings s = KnownSettings.read(spec.qualifiedName(), settings.toArray(String[]::new), System.getenv(),
                    EnumSet.of(Reader.KAFKA), spec.commandLine().getErr());
            JobProgress progress = new JobProgress();
            RateDeckLoader.Result result;
            try (RateDeckLoader loader = new RateDeckLoader(KafkaSettings.from(s), "sipstream-load-rates");
                 ProgressPrinter printer = ProgressPrinter.onStderr("load-rates", progress, spec.commandLine().getErr())) {
                result = loader.load(deck, file, progress);
            }
            System.out.println("deck " + result.deckId() + ": " + result.rows() + " rows, " + result.written() + " written, "
                    + result.removed() + " removed");
            return 0;
        }
    }

    private ToolCommands() {}
}
