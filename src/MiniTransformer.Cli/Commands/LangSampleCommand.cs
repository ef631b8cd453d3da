using System.CommandLine;
using MiniTransformer.Compute;
using MiniTransformer.Data;
using MiniTransformer.IO;
using MiniTransformer.Language;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `lang sample`: sample a generated corpus from a generator file into a token file whose sidecar records the
/// generator and the Monte-Carlo entropy estimate (mean −ln p of the samples) as the data's floor.
/// </summary>
public static class LangSampleCommand
{
    public static Command Create()
    {
        var generator = new Option<string>("--generator") { Description = "Generator file from `lang generators train`", Required = true };
        var count = new Option<long?>("--count") { Description = "Number of sequences (alternative to --tokens)" };
        var tokens = new Option<long?>("--tokens") { Description = "Number of tokens, rounded up to whole sequences (default 1,000,000 when --count is not given)" };
        var length = new Option<int>("--length") { Description = "Tokens per sequence T, the first drawn from the corpus unigram distribution", DefaultValueFactory = _ => 101 };
        var temperature = new Option<double>("--temperature") { Description = "Divides the logits (1 = the generator's own distribution)", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely next tokens only (0 = all)", DefaultValueFactory = _ => 0 };
        var seed = CommonOptions.Seed();
        var firstSequence = new Option<long>("--first-sequence") { Description = "Index of the first sequence: disjoint ranges of one seed give disjoint samples (e.g. a test set)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Sampling threads, 0 = all processors (the output does not depend on it)", DefaultValueFactory = _ => 0 };
        var backend = CommonOptions.Backend();
        var batch = new Option<int>("--batch") { Description = "transformer: sequences decoded together (the output does not depend on it)", DefaultValueFactory = _ => 64 };
        var output = new Option<string>("--out") { Description = "Token file to write (.bin uint32 tokens + .json sidecar)", Required = true };
        var force = CommonOptions.Force();
        var command = new Command("sample", "Sample sequences from a generator into a token file whose sidecar carries the Monte-Carlo entropy floor")
        {
            generator, count, tokens, length, temperature, topK, seed, firstSequence, threads, backend, batch, output, force,
        };
        command.SetAction(parse =>
        {
            int t = parse.GetValue(length);
            if (t < 2) throw new UserInputException($"--length must be at least 2 (got {t})");
            var (c, n) = (parse.GetValue(count), parse.GetValue(tokens));
            if (c is not null && n is not null) throw new UserInputException("give --count or --tokens, not both");
            if (n is < 1) throw new UserInputException($"--tokens must be positive (got {n})");
            if (c is < 1) throw new UserInputException($"--count must be positive (got {c})");
            int threadCount = parse.GetValue(threads);
            if (threadCount < 0) throw new UserInputException($"--threads must be 0 (all) or positive (got {threadCount})");
            string outPath = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            AtomicFile.EnsureWritable(outPath, overwrite);
            AtomicFile.EnsureWritable(TokenFile.SidecarPath(outPath), overwrite);

            int batchSize = parse.GetValue(batch);
            if (batchSize < 1) throw new UserInputException($"--batch must be positive (got {batchSize})");
            ComputeBackend? computeBackend = null; // made only for a transformer generator
            GeneratorFile.Opened opened;
            TokenSidecar sidecar;
            LanguageSampling.Spec spec;
            try
            {
                using (opened = GeneratorFile.Open(parse.GetValue(generator)!, threadCount,
                           () => computeBackend = TrainCommand.CreateBackend(parse.GetValue(backend), threadCount), batchSize))
                {
                    spec = new LanguageSampling.Spec(c ?? ((n ?? 1_000_000) + t - 1) / t, t,
                        new SamplingOptions(parse.GetValue(temperature), parse.GetValue(topK)), parse.GetValue(seed), parse.GetValue(firstSequence));
                    sidecar = LanguageSampling.Generate(opened.Sampler, opened.FirstTokenCounts, opened.Description, spec, outPath, overwrite);
                }
            }
            finally { computeBackend?.Dispose(); }

            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json))
                writer.WriteLine(Json.Serialize(new { File = Path.GetFullPath(outPath), Sidecar = sidecar }));
            else
            {
                writer.WriteLine($"wrote {outPath} (+ {Path.GetFileName(TokenFile.SidecarPath(outPath))}): {sidecar.SequenceCount:N0} sequences × {sidecar.SequenceLength} = {sidecar.TokenCount:N0} tokens, vocabulary {sidecar.VocabSize:N0}");
                double se = sidecar.Generator["mc_entropy_standard_error_nats"]!.GetValue<double>();
                writer.WriteLine($"Monte-Carlo entropy (the data's floor): {sidecar.EntropyRateNats:F4} ± {se:F4} nats/token" +
                                 (opened.Description["entropy_rate_nats"] is { } h && spec.Options == new SamplingOptions()
                                     ? $" (the generator's exact entropy rate: {h.GetValue<double>():F4})" : ""));
            }
            return 0;
        });
        return command;
    }
}
