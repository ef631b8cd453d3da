using MiniTransformer.Compute;

namespace MiniTransformer.Model;

/// <summary>The tensors of one transformer block as views of a flat buffer (parameters or their gradients).</summary>
public sealed record BlockTensors(
    DeviceSlice<float> Ln1W, DeviceSlice<float> Ln1B,
    DeviceSlice<float> QkvW, DeviceSlice<float> QkvB,
    DeviceSlice<float> AttProjW, DeviceSlice<float> AttProjB,
    DeviceSlice<float> Ln2W, DeviceSlice<float> Ln2B,
    DeviceSlice<float> FcW, DeviceSlice<float> FcB,
    DeviceSlice<float> FcProjW, DeviceSlice<float> FcProjB);

/// <summary>
/// Every parameter tensor as a named view of one flat buffer, so forward and backward read like llm.c
/// (<c>p.Blocks[l].QkvW</c>) while the storage stays one allocation. Built once for the parameters and once for the
/// gradients over the same <see cref="ParameterLayout"/>. <see cref="Readout"/> is <see cref="Wte"/> when tied.
/// </summary>
public sealed class GptTensors
{
    public GptTensors(ParameterLayout layout, DeviceSlice<float> buffer)
    {
        DeviceSlice<float> S(string name) => layout.Slice(buffer, name);
        Wte = S("wte");
        Wpe = layout.Contains("wpe") ? S("wpe") : null;
        Blocks = Enumerable.Range(0, layout.Config.Layers).Select(l => new BlockTensors(
            S($"h{l}.ln1.w"), S($"h{l}.ln1.b"), S($"h{l}.qkv.w"), S($"h{l}.qkv.b"),
            S($"h{l}.attproj.w"), S($"h{l}.attproj.b"), S($"h{l}.ln2.w"), S($"h{l}.ln2.b"),
            S($"h{l}.fc.w"), S($"h{l}.fc.b"), S($"h{l}.fcproj.w"), S($"h{l}.fcproj.b"))).ToArray();
        LnfW = S("lnf.w");
        LnfB = S("lnf.b");
        Readout = layout.Contains("lm_head") ? S("lm_head") : Wte;
    }

    public DeviceSlice<float> Wte { get; }
    public DeviceSlice<float>? Wpe { get; }
    public IReadOnlyList<BlockTensors> Blocks { get; }
    public DeviceSlice<float> LnfW { get; }
    public DeviceSlice<float> LnfB { get; }
    public DeviceSlice<float> Readout { get; }
}
