namespace MiniTransformer.IO;

/// <summary>
/// Writes a file so that readers only ever see nothing or the whole file: the content goes to a
/// temporary sibling, is flushed, and is renamed over the target. An interrupted write leaves no
/// partial output, and an existing file is only replaced when the caller says so.
/// </summary>
public static class AtomicFile
{
    /// <summary>Fails with a <see cref="UserInputException"/> if <paramref name="path"/> exists and <paramref name="force"/> is off.</summary>
    public static void EnsureWritable(string path, bool force)
    {
        if (!force && (File.Exists(path) || Directory.Exists(path)))
            throw new UserInputException($"output '{path}' already exists (use --force to overwrite)");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
            throw new UserInputException($"output directory '{dir}' does not exist");
    }

    /// <summary>Runs <paramref name="write"/> against a temporary stream and renames it to <paramref name="path"/> on success.</summary>
    public static void Write(string path, bool force, Action<Stream> write)
    {
        EnsureWritable(path, force);
        var temp = TempSibling(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: force);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes several files as one unit: all are renamed into place only after every one was written.</summary>
    public static void WriteAll(bool force, params (string Path, Action<Stream> Write)[] files)
    {
        foreach (var (path, _) in files) EnsureWritable(path, force);
        var temps = new List<(string Temp, string Path)>();
        try
        {
            foreach (var (path, write) in files)
            {
                var temp = TempSibling(path);
                temps.Add((temp, path));
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            foreach (var (temp, path) in temps) File.Move(temp, path, overwrite: force);
        }
        catch
        {
            foreach (var (temp, _) in temps) File.Delete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text, bool force) =>
        Write(path, force, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    /// <summary>A fresh hidden temporary name beside <paramref name="path"/>, for writers that stream several files before renaming them.</summary>
    public static string TempSibling(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
}
