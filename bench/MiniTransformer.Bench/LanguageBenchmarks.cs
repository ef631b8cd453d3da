using BenchmarkDotNet.Attributes;
using MiniTransformer.Language;

namespace MiniTransformer.Bench;

/// <summary>
/// The language data path on tinyshakespeare (1,115,394 bytes; `$MT_BENCH_CORPUS`, else the first
/// `shared/data/tinyshakespeare.txt` found walking up from the working directory): streamed pre-tokenisation alone
/// (the floor every pass over the corpus pays), BPE training to 1,024 and 8,192 tokens, encoding with a fresh
/// tokenizer (every distinct pre-token encoded once, then cached) and with a warm cache, and bigram sampling.
/// </summary>
public class LanguageBenchmarks
{
    private TextCorpus _corpus = null!;
    private IReadOnlyList<(int Left, int Right)> _merges8k = null!;
    private BpeTokenizer _warm = null!;
    private BigramSampler _bigram = null!;
    private long[] _unigram = null!;
    private readonly List<int> _tokens = new(400_000);
    private readonly int[] _first = new int[10_000];
    private readonly int[] _sampled = new int[10_000 * 101];
    private readonly double[] _negLogProb = new double[10_000];

    public static string CorpusPath()
    {
        if (Environment.GetEnvironmentVariable("MT_BENCH_CORPUS") is { Length: > 0 } path) return path;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "tinyshakespeare.txt");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("tinyshakespeare.txt not found: set MT_BENCH_CORPUS");
    }

    [GlobalSetup]
    public void Setup()
    {
        _corpus = new TextCorpus([CorpusPath()]);
        _merges8k = BpeTraining.Train(_corpus, 8192).Tokenizer.Merges;
        _warm = new BpeTokenizer(_merges8k);
        EncodeWarm();
        var tokens = _tokens.Select(t => (uint)t).ToArray();
        var model = BigramModel.Count(tokens.AsSpan(0, tokens.Length / 101 * 101), 8192, 101, 1.0 / 8192);
        _bigram = new BigramSampler(model, maxThreads: 0);
        _unigram = LanguageSampling.Cumulative(model.UnigramCounts);
        for (int i = 0; i < _first.Length; i++) _first[i] = LanguageSampling.FirstToken(_unigram, 0, i);
    }

    [Benchmark(Baseline = true, Description = "pre-tokenise 1.1 MB (streamed read + split)")]
    public long PreTokenize()
    {
        long pieces = 0;
        _corpus.ForEachPiece(_ => pieces++);
        return pieces;
    }

    [Benchmark(Description = "train BPE to 1,024")]
    public int Train1k() => BpeTraining.Train(_corpus, 1024).Tokenizer.VocabSize;

    [Benchmark(Description = "train BPE to 8,192")]
    public int Train8k() => BpeTraining.Train(_corpus, 8192).Tokenizer.VocabSize;

    [Benchmark(Description = "encode 1.1 MB, vocab 8,192, fresh tokenizer")]
    public int EncodeFresh()
    {
        var tokenizer = new BpeTokenizer(_merges8k);
        _tokens.Clear();
        _corpus.ForEachPiece(piece => tokenizer.EncodePiece(piece, _tokens));
        return _tokens.Count;
    }

    [Benchmark(Description = "encode 1.1 MB, vocab 8,192, warm cache")]
    public int EncodeWarm()
    {
        _tokens.Clear();
        _corpus.ForEachPiece(piece => _warm.EncodePiece(piece, _tokens));
        return _tokens.Count;
    }

    [Benchmark(Description = "bigram sample 1.01M tokens (10,000 × 101), vocab 8,192")]
    public double SampleBigram()
    {
        _bigram.Sample(_first, 101, new SamplingOptions(), 0, 0, _sampled, _negLogProb);
        return _negLogProb[0];
    }
}
