using MiniTransformer.Compute;

namespace MiniTransformer.Model;

/// <summary>What a parameter tensor is, which decides its initialisation, learning rate and weight decay.</summary>
public enum ParameterRole
{
    /// <summary>Token (and learned position) embeddings; also the readout when tied. Adam LR ×1, decayed.</summary>
    Embedding,
    /// <summary>Hidden matrices (qkv, attention projection, MLP). Adam LR ×1/m under μP, decayed.</summary>
    Hidden,
    /// <summary>The untied readout (lm_head). Adam LR ×1 (its 1/m lives in the readout multiplier), decayed.</summary>
    Readout,
    /// <summary>LayerNorm weights and biases, linear biases: never decayed (decay would pull gains toward 0).</summary>
    Vector,
}

/// <summary>One tensor of the flat parameter buffer: a name, an offset and a row-major shape.</summary>
public sealed record ParameterTensor(string Name, ParameterRole Role, long Offset, int[] Shape)
{
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A contiguous run of tensors of one role: one AdamW launch with one LR multiplier and decay setting.</summary>
public sealed record ParameterGroup(ParameterRole Role, long Offset, long Length);

/// <summary>
/// The offset table of the flat parameter buffer (llm.c: one allocation, tensors are offsets). Tensors are laid out
/// role by role — embeddings, hidden matrices, readout, vectors — so each role is one contiguous group and the
/// optimizer is four AdamW launches, not one per tensor. Gradients and Adam moments share this layout.
/// Names: wte, wpe, h{l}.{ln1.w, ln1.b, qkv.w, qkv.b, attproj.w, attproj.b, ln2.w, ln2.b, fc.w, fc.b, fcproj.w,
/// fcproj.b}, lnf.w, lnf.b, lm_head (as tools/gpt_reference.py).
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, ParameterTensor> _byName;

    public ParameterLayout(GptConfig config)
    {
        Config = config;
        int v = config.VocabSize, c = config.Width, h = GptConfig.MlpRatio * c;
        var specs = new List<(string, ParameterRole, int[])> { ("wte", ParameterRole.Embedding, [v, c]) };
        if (config.Positions == PositionEncoding.Learned) specs.Add(("wpe", ParameterRole.Embedding, [config.SequenceLength, c]));
        for (int l = 0; l < config.Layers; l++)
        {
            specs.Add(($"h{l}.qkv.w", ParameterRole.Hidden, [3 * c, c]));
            specs.Add(($"h{l}.attproj.w", ParameterRole.Hidden, [c, c]));
            specs.Add(($"h{l}.fc.w", ParameterRole.Hidden, [h, c]));
            specs.Add(($"h{l}.fcproj.w", ParameterRole.Hidden, [c, h]));
        }
        if (!config.TiedEmbeddings) specs.Add(("lm_head", ParameterRole.Readout, [v, c]));
        for (int l = 0; l < config.Layers; l++)
        {
            specs.Add(($"h{l}.ln1.w", ParameterRole.Vector, [c]));
            specs.Add(($"h{l}.ln1.b", ParameterRole.Vector, [c]));
            specs.Add(($"h{l}.qkv.b", ParameterRole.Vector, [3 * c]));
            specs.Add(($"h{l}.attproj.b", ParameterRole.Vector, [c]));
            specs.Add(($"h{l}.ln2.w", ParameterRole.Vector, [c]));
            specs.Add(($"h{l}.ln2.b", ParameterRole.Vector, [c]));
            specs.Add(($"h{l}.fc.b", ParameterRole.Vector, [h]));
            specs.Add(($"h{l}.fcproj.b", ParameterRole.Vector, [c]));
        }
        specs.Add(("lnf.w", ParameterRole.Vector, [c]));
        specs.Add(("lnf.b", ParameterRole.Vector, [c]));

        var tensors = new List<ParameterTensor>();
        long offset = 0;
        foreach (var (name, role, shape) in specs)
        {
            var t = new ParameterTensor(name, role, offset, shape);
            tensors.Add(t);
            offset += t.Length;
        }
        Tensors = tensors;
        Count = offset;
        _byName = tensors.ToDictionary(t => t.Name);
        Groups = tensors.GroupBy(t => t.Role)
            .Select(g => new ParameterGroup(g.Key, g.First().Offset, g.Sum(t => t.Length)))
            .ToList();
    }

    public GptConfig Config { get; }
    public IReadOnlyList<ParameterTensor> Tensors { get; }
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Total parameter count.</summary>
    public long Count { get; }

    /// <summary>
    /// Parameters outside the token/position embeddings and the (untied) unembedding — Kaplan et al.'s N, the same
    /// number whether or not the readout is tied.
    /// </summary>
    public long NonEmbeddingCount => Tensors.Where(t => t.Role is ParameterRole.Hidden or ParameterRole.Vector).Sum(t => t.Length);

    public ParameterTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no parameter tensor '{name}'");

    public bool Contains(string name) => _byName.ContainsKey(name);

    public DeviceSlice<float> Slice(DeviceSlice<float> buffer, string name)
    {
        var t = this[name];
        return buffer.Slice(t.Offset, t.Length);
    }
}
