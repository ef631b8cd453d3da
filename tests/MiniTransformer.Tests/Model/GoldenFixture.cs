using System.Runtime.InteropServices;
using System.Text.Json;
using MiniTransformer.Model;

namespace MiniTransformer.Tests.Model;

/// <summary>
/// A fixture written by tools/gpt_reference.py (PyTorch): the config, token batches, initial weights, logits, loss
/// and every gradient of batch 0, the losses of 10 AdamW steps, and float64 finite differences of the loss.
/// </summary>
public sealed class GoldenFixture
{
    public static readonly string[] Names = ["sp_tied_rope", "sp_untied_learned", "mup_tied_rope", "mup_untied_rope"];

    private readonly float[] _blob;
    private readonly Dictionary<string, (long Offset, int[] Shape)> _index = new();

    public GoldenFixture(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "gpt");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name + ".json")));
        var root = doc.RootElement;
        var c = root.GetProperty("config");
        Config = new GptConfig(
            VocabSize: c.GetProperty("vocab_size").GetInt32(),
            SequenceLength: c.GetProperty("seq_len").GetInt32(),
            Layers: c.GetProperty("layers").GetInt32(),
            Width: c.GetProperty("width").GetInt32(),
            Parameterization: c.GetProperty("param").GetString() == "mup" ? Parameterization.Mup : Parameterization.Sp,
            BaseWidth: c.GetProperty("base_width").GetInt32(),
            Heads: c.GetProperty("heads").GetInt32(),
            Positions: c.GetProperty("positions").GetString() == "rope" ? PositionEncoding.Rotary : PositionEncoding.Learned,
            TiedEmbeddings: c.GetProperty("tied").GetBoolean(),
            RopeTheta: (float)c.GetProperty("rope_theta").GetDouble());
        var t = root.GetProperty("train");
        LearningRate = (float)t.GetProperty("lr").GetDouble();
        Beta1 = (float)t.GetProperty("beta1").GetDouble();
        Beta2 = (float)t.GetProperty("beta2").GetDouble();
        Epsilon = (float)t.GetProperty("eps").GetDouble();
        WeightDecay = (float)t.GetProperty("weight_decay").GetDouble();
        Clip = (float)t.GetProperty("clip").GetDouble();
        Batch = root.GetProperty("batch").GetInt32();
        Inputs = root.GetProperty("inputs").EnumerateArray().Select(a => a.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
        Targets = root.GetProperty("targets").EnumerateArray().Select(a => a.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
        Loss = root.GetProperty("loss").GetDouble();
        Losses = root.GetProperty("losses").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        FiniteDifferences = root.GetProperty("finite_differences").EnumerateArray()
            .Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("index").GetInt64(), e.GetProperty("value").GetDouble())).ToArray();
        foreach (var p in root.GetProperty("tensors").EnumerateObject())
            _index[p.Name] = (p.Value.GetProperty("offset").GetInt64(), p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray());
        var bytes = File.ReadAllBytes(Path.Combine(dir, name + ".bin"));
        _blob = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    public GptConfig Config { get; }
    public int Batch { get; }
    public float LearningRate { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public float Clip { get; }
    public int[][] Inputs { get; }
    public int[][] Targets { get; }
    public double Loss { get; }
    public double[] Losses { get; }
    public (string Name, long Index, double Value)[] FiniteDifferences { get; }

    public ReadOnlySpan<float> Tensor(string key)
    {
        var (offset, shape) = _index[key];
        long n = shape.Aggregate(1L, (a, b) => a * b);
        return _blob.AsSpan((int)offset, (int)n);
    }

    /// <summary>The fixture's weights placed in this project's flat parameter layout (names match one to one).</summary>
    public float[] FlatWeights(ParameterLayout layout)
    {
        var flat = new float[layout.Count];
        foreach (var t in layout.Tensors)
        {
            var (_, shape) = _index["weight/" + t.Name];
            Assert.Equal(t.Shape, shape);
            Tensor("weight/" + t.Name).CopyTo(flat.AsSpan((int)t.Offset, (int)t.Length));
        }
        Assert.Equal(layout.Tensors.Count, _index.Keys.Count(k => k.StartsWith("weight/", StringComparison.Ordinal)));
        return flat;
    }
}
