using System.Runtime.CompilerServices;
using MiniTransformer.Randomness;

namespace MiniTransformer.Data.Graphs;

/// <summary>
/// A sequential reader over one Philox stream: draw i of (seed, stream) is <see cref="Philox.Draw"/>(seed, stream, i).
/// Graph generators split their work into fixed pieces (a chunk of the pair space, the edge-weight pass, …) and give
/// each piece its own stream, so the output depends on the seed only — never on how many threads ran the pieces.
/// </summary>
public struct RandomStream(ulong seed, ulong stream)
{
    private ulong _index;
    private uint _w1, _w2, _w3;
    private int _left;

    /// <summary>Stream ids are (domain &lt;&lt; 48) | piece, so two kinds of work never share random bits.</summary>
    public static ulong StreamId(GraphStreamDomain domain, long piece) => ((ulong)domain << 48) | (ulong)piece;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt()
    {
        switch (_left)
        {
            case 3: _left = 2; return _w1;
            case 2: _left = 1; return _w2;
            case 1: _left = 0; return _w3;
        }
        (uint w0, _w1, _w2, _w3) = Philox.Draw(seed, stream, _index++);
        _left = 3;
        return w0;
    }

    public ulong NextULong() => ((ulong)NextUInt() << 32) | NextUInt();

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => Philox.ToUnitDouble(NextUInt(), NextUInt());

    /// <summary>Uniform integer in [0, size) by 64-bit multiply-shift (bias below size/2⁶⁴, far under any test's reach).</summary>
    public long NextBelow(long size) => (long)Math.BigMul(NextULong(), (ulong)size, out _);
}

/// <summary>The kinds of random work a graph generator does; each gets its own family of Philox streams.</summary>
public enum GraphStreamDomain : ulong
{
    PairChunk = 1,
    EdgeCountAdjust = 2,
    Attachment = 3,
    EdgeWeights = 4,
}
