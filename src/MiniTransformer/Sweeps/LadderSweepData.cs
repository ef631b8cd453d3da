using System.Security.Cryptography;
using System.Text;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Data;
using MiniTransformer.Generation;
using MiniTransformer.IO;
using MiniTransformer.Language;

namespace MiniTransformer.Sweeps;

/// <summary>The data of one rung: the student's train and test token files and the rung's floor.</summary>
/// <param name="Floor">The test file's Monte-Carlo entropy (mean −ln p of the generator's own samples), the loss a perfect student reaches; null for the real corpus, whose floor is unknown.</param>
/// <param name="TrainFloor">The same estimate over the training sample.</param>
/// <param name="GeneratorTestLoss">The generator's loss on the corpus' test split: how close the rung is to the real text.</param>
/// <param name="GeneratorEntropyRate">The bigram's exact entropy rate (null for other kinds).</param>
public sealed record LadderRungData(
    string Name, string Kind, string TrainPath, string TestPath, double? Floor, double? TrainFloor,
    double? GeneratorTestLoss, double? GeneratorEntropyRate, string? GeneratorPath);

/// <summary>What a ladder's data preparation made: the tokenizer, the encoded corpus split and each rung's data (DIR/ladder.json).</summary>
public sealed record LadderData(string Corpus, string CorpusSha256, string TokenizerPath, int VocabSize, string CorpusTrainPath, string CorpusTestPath,
    IReadOnlyList<LadderRungData> Rungs)
{
    public const string FileName = "ladder.json";

    public LadderRungData Rung(string name) => Rungs.Single(r => r.Name == name);

    public static LadderData Read(string sweepDirectory) => Json.ReadFile<LadderData>(Path.Combine(sweepDirectory, FileName));
}

/// <summary>
/// Makes a ladder's data once, under <c>DIR/data/</c>, each file named by a hash of what made it (so a re-run or another
/// shard reuses it and a changed spec never does): the tokenizer trained on the corpus; the corpus encoded into
/// sequences of <c>data.sequence_length</c> and split 1 in <c>test_every</c>; each generator trained once on the
/// training split (the bigram table; transformers with <see cref="GeneratorTraining"/> on the sweep's backend, their
/// test loss on the test split recorded); and for each generated rung a training sample (sequences 0 …) and a test
/// sample (from <see cref="TestFirstSequence"/>, disjoint) whose sidecars carry the Monte-Carlo floor.
/// </summary>
public static class LadderSweepData
{
    /// <summary>Test samples start at this sequence index of the sample seed's Philox streams, far beyond any training sample.</summary>
    public const long TestFirstSequence = 1L << 40;

    /// <summary>SHA-256 of the corpus: each document's byte count (8 bytes, little-endian) then its bytes, in corpus order.</summary>
    public static string CorpusHash(TextCorpus corpus)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var document in corpus.Documents)
        {
            using var stream = File.OpenRead(document);
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int n;
            while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static LadderData Prepare(SweepSpec spec, LadderDataConfig config, TextCorpus corpus, string directory, Action<string>? log = null)
    {
        var ladder = spec.Ladder!;
        var dir = Path.Combine(directory, "data");
        Directory.CreateDirectory(dir);

        var tokenizerPath = Path.Combine(dir, $"tokenizer-{Hash(config.CorpusSha256, config.VocabSize)}.json");
        if (!File.Exists(tokenizerPath))
        {
            log?.Invoke($"training the tokenizer to {config.VocabSize:N0} tokens on {corpus.ByteCount:N0} bytes");
            var (trained, info) = BpeTraining.Train(corpus, config.VocabSize);
            trained.Save(tokenizerPath, info, force: true);
        }
        var tokenizer = BpeTokenizer.Load(tokenizerPath);

        string encoded = Hash(Path.GetFileName(tokenizerPath), config.SequenceLength, config.TestEvery);
        var (corpusTrain, corpusTest) = (Path.Combine(dir, $"corpus-{encoded}-train.bin"), Path.Combine(dir, $"corpus-{encoded}-test.bin"));
        if (!Complete(corpusTrain) || !Complete(corpusTest))
        {
            log?.Invoke("encoding the corpus");
            CorpusEncoder.Encode(corpus, tokenizer, tokenizerPath, new CorpusEncoder.Spec(config.SequenceLength, config.TestEvery), corpusTrain, corpusTest, force: true);
        }
        var trainSidecar = TokenFile.ReadSidecar(corpusTrain);
        var testSidecar = TokenFile.ReadSidecar(corpusTest);
        long studentNeeds = spec.Tokens!.Max() is var largest ? LadderSpecValidator.TrainTokensNeeded(largest, spec.Batch, config.SequenceLength) : 0;

        // A real rung's limits are known now: fail before any generator is trained.
        if (ladder.Rungs.FirstOrDefault(r => r.Kind == LadderRungSpec.Real) is { } real)
        {
            if (trainSidecar.TokenCount < studentNeeds)
                throw new UserInputException($"spec field 'tokens': the real rung '{real.Name}' holds {trainSidecar.TokenCount:N0} training tokens " +
                                             $"(corpus split 1 in {config.TestEvery}); the largest budget needs {studentNeeds:N0} (one epoch, no reuse)");
            if (testSidecar.SequenceCount < spec.Batch)
                throw new UserInputException($"spec field 'ladder.test_every': the corpus' test split holds {testSidecar.SequenceCount} sequences, fewer than one batch of {spec.Batch}");
        }

        var rungs = new List<LadderRungData>();
        foreach (var rung in ladder.Rungs)
        {
            if (rung.Kind == LadderRungSpec.Real)
            {
                rungs.Add(new LadderRungData(rung.Name, rung.Kind, corpusTrain, corpusTest, null, null, null, null, null));
                continue;
            }
            var (generatorPath, testLoss, entropyRate) = Generator(rung, config, corpusTrain, corpusTest, dir, log);
            long trainCount = (config.SampleTokens + config.SequenceLength - 1) / config.SequenceLength;
            long testCount = Math.Max(spec.Batch, (config.TestTokens + config.SequenceLength - 2) / (config.SequenceLength - 1));
            var train = Sample(generatorPath, config, trainCount, 0, "train", dir, log);
            var test = Sample(generatorPath, config, testCount, TestFirstSequence, "test", dir, log);
            rungs.Add(new LadderRungData(rung.Name, rung.Kind, train, test, TokenFile.ReadSidecar(test).EntropyRateNats,
                TokenFile.ReadSidecar(train).EntropyRateNats, testLoss, entropyRate, generatorPath));
        }
        var data = new LadderData(string.Join(Path.PathSeparator, corpus.Documents), config.CorpusSha256, tokenizerPath, tokenizer.VocabSize,
            corpusTrain, corpusTest, rungs);
        AtomicFile.WriteAllText(Path.Combine(directory, LadderData.FileName), Json.Serialize(data), force: true);
        return data;
    }

    private static (string Path, double? TestLoss, double? EntropyRate) Generator(LadderRungSpec rung, LadderDataConfig config, string corpusTrain,
        string corpusTest, string dir, Action<string>? log)
    {
        // The name omits the rung's own name: two rungs with the same generator share it.
        var path = Path.Combine(dir, $"generator-{Hash(Path.GetFileName(corpusTrain), Json.Serialize(rung with { Name = "" }), config.GeneratorSeed, config.GeneratorBackend)}.json");
        if (rung.Kind == LadderRungSpec.Bigram)
        {
            if (!File.Exists(path))
            {
                log?.Invoke($"counting the bigram table for rung '{rung.Name}'");
                BigramModel.Train(corpusTrain, corpusTest, rung.Alpha, path, force: true);
            }
            var (_, file) = BigramModel.Load(path);
            return (path, file.TestLossNats, file.EntropyRateNats);
        }
        if (!File.Exists(path) || !File.Exists(TransformerGeneratorFile.CheckpointPathFor(path)))
        {
            log?.Invoke($"training the {rung.Layers}-layer width-{rung.Width} generator of rung '{rung.Name}' on {rung.Tokens:N0} tokens");
            var options = GeneratorTraining.Options(corpusTrain, rung.Layers!.Value, rung.Width!.Value, rung.Batch ?? LadderSpecValidator.DefaultGeneratorBatch,
                rung.Tokens!.Value, (float)rung.LearningRate!.Value, config.GeneratorSeed);
            using var backend = CreateBackend(config.GeneratorBackend);
            try { TransformerGeneratorFile.Train(backend, options, corpusTrain, corpusTest, path, force: true); }
            catch (UserInputException e) { throw new UserInputException($"ladder rung '{rung.Name}': {e.Message}"); }
        }
        var (generator, _) = TransformerGeneratorFile.Load(path);
        return (path, generator.TestLossNats, null);
    }

    private static string Sample(string generatorPath, LadderDataConfig config, long count, long first, string role, string dir, Action<string>? log)
    {
        var path = Path.Combine(dir, $"samples-{Hash(Path.GetFileName(generatorPath), config.SampleSeed, config.SequenceLength, count, first)}-{role}.bin");
        if (Complete(path)) return path;
        log?.Invoke($"sampling {count:N0} {role} sequences from {Path.GetFileName(generatorPath)}");
        ComputeBackend? backend = null;
        try
        {
            using var opened = GeneratorFile.Open(generatorPath, backend: () => backend = CreateBackend(config.GeneratorBackend));
            LanguageSampling.Generate(opened.Sampler, opened.FirstTokenCounts, opened.Description,
                new LanguageSampling.Spec(count, config.SequenceLength, new SamplingOptions(), config.SampleSeed, first), path, force: true);
        }
        finally { backend?.Dispose(); }
        return path;
    }

    private static bool Complete(string tokenPath) => File.Exists(tokenPath) && File.Exists(TokenFile.SidecarPath(tokenPath));

    private static ComputeBackend CreateBackend(string name) => Backends.Parse(name) switch
    {
        BackendKind.Cpu => new CpuBackend(),
        var kind => Backends.Create(kind),
    };

    private static string Hash(params object[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u001f", parts))))[..12];
}
