#!/usr/bin/python3
"""Independent reference for the byte-level BPE of src/MiniTransformer/Language (naive, obviously-correct Python).

Pre-tokenisation: the regex below, then pieces longer than 128 bytes cut into 128-byte pieces.
Training: recount every pair from scratch at each step (overlapping adjacent positions, weighted by word count),
take the highest count, ties to the smaller (left, right); stop at the vocabulary size or when the best count < 2;
merge left to right without overlap. Encoding: apply the merges in training order inside each piece.

  /usr/bin/python3 tools/bpe_reference.py fixture OUT.json     # the test fixture (text made here, seed 0)
  /usr/bin/python3 tools/bpe_reference.py train FILE VOCAB     # merges of a file, as JSON on stdout
"""
import base64, collections, json, random, re, sys

PIECE = re.compile(rb" ?[A-Za-z\x80-\xff]+| ?[0-9]+| ?[^\sA-Za-z0-9\x80-\xff]+|\s+(?= \S)|\s+")
MAX_PIECE = 128


def pieces(data: bytes):
    for m in PIECE.finditer(data):
        p = m.group(0)
        for i in range(0, len(p), MAX_PIECE):
            yield p[i:i + MAX_PIECE]


def merge_word(word, a, b, new):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def train(data: bytes, vocab_size: int):
    counts = collections.Counter(pieces(data))
    words = {tuple(p): c for p, c in counts.items()}
    merges = []
    while 256 + len(merges) < vocab_size:
        pairs = collections.Counter()
        for w, c in words.items():
            for i in range(len(w) - 1):
                pairs[(w[i], w[i + 1])] += c
        if not pairs:
            break
        (a, b), best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if best < 2:
            break
        new = 256 + len(merges)
        merges.append((a, b))
        merged = collections.Counter()
        for w, c in words.items():
            merged[merge_word(w, a, b, new)] += c
        words = dict(merged)
    return merges


def encode(data: bytes, merges):
    out, cache = [], {}
    for p in pieces(data):
        if p not in cache:
            w = tuple(p)
            for rank, (a, b) in enumerate(merges):
                if len(w) < 2:
                    break
                w = merge_word(w, a, b, 256 + rank)
            cache[p] = list(w)
        out.extend(cache[p])
    return out


def fixture_text(rng: random.Random) -> bytes:
    syllables = ["the", "an", "ing", "er", "on", "st", "qu", "th", "ou", "re", "a", "e", "io", "sh"]
    foreign = ["straße", "élève", "naïve", "日本語", "中文", "Привет", "мир", "😀", "🚀", "ñandú", "Ωμέγα", "العربية"]
    punct = [",", ".", "!", "?", ";", "--", "'", "\"", "(", ")", "...", ":"]
    spaces = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", " \n", "\r\n", "   "]
    out = bytearray()
    while len(out) < 40_000:
        r = rng.random()
        if r < 0.55:
            w = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 4)))
            out += (w.capitalize() if rng.random() < 0.1 else w).encode()
        elif r < 0.65:
            out += rng.choice(foreign).encode()
        elif r < 0.72:
            out += str(rng.randint(0, 10 ** rng.randint(1, 6))).encode()
        elif r < 0.85:
            out += rng.choice(punct).encode()
        elif r < 0.86:
            out += bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randint(1, 5)))  # invalid UTF-8
        elif r < 0.865:
            out += rng.choice([b"a", b"-", b" ", b"7"]) * rng.randint(120, 300)  # runs past the 128-byte cut
        out += rng.choice(spaces).encode()
    return bytes(out)


def main():
    if sys.argv[1] == "fixture":
        text = fixture_text(random.Random(0))
        vocab = 256 + 400
        merges = train(text, vocab)
        json.dump({"generator": "tools/bpe_reference.py fixture", "vocab_size": vocab, "text_base64": base64.b64encode(text).decode(),
                   "piece_count": sum(1 for _ in pieces(text)), "merges": merges, "encoded": encode(text, merges)},
                  open(sys.argv[2], "w"))
    elif sys.argv[1] == "train":
        print(json.dumps(train(open(sys.argv[2], "rb").read(), int(sys.argv[3]))))


if __name__ == "__main__":
    main()
