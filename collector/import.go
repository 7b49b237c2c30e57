package collector

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/klauspost/compress/zstd"

	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/tail"
	"github.com/edgelog/edgelog/internal/wire"
)

// runImport reads a whole historical file once: plain, gzip or zstd (told
// by its first bytes, not its name). There is no checkpoint: an import is
// re-run from the start. Its batches are cut by row count only, and named
// by the file's identity and decompressed offsets, so a re-run of the same
// file sends the same messages and ingest's source ledger skips them.
//
// A glob path imports every file it matches, one after the other in name
// order, each with a parser of its own (a W3C file's #Fields are its own);
// a glob that matches nothing is an error, as a missing file is.
func (c *Collector) runImport(ctx context.Context, in Input, parser format.Parser, ship chan<- shipment) error {
	if !isGlob(in.Path) {
		return c.importFile(ctx, in.Path, parser, ship)
	}
	paths, err := filepath.Glob(in.Path) // sorted
	if err != nil {
		return fmt.Errorf("cannot match %s: %w", in.Path, err)
	}
	if len(paths) == 0 {
		return fmt.Errorf("%s: no file matches", in.Path)
	}
	for i, path := range paths {
		if i > 0 {
			kind, text := c.cfg.formatOf(in)
			if parser, err = NewParser(kind, text); err != nil {
				return err
			}
		}
		if err := c.importFile(ctx, path, parser, ship); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// importFile imports one file (see runImport).
func (c *Collector) importFile(ctx context.Context, path string, parser format.Parser, ship chan<- shipment) error {
	in := Input{Path: path}
	f, err := os.Open(in.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	fp, err := tail.Fingerprint(f)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", in.Path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r, err := Decompress(&countingReader{r: f, n: &c.importBytes})
	if err != nil {
		return fmt.Errorf("%s: %w", in.Path, err)
	}
	defer r.Close()
	abs, err := filepath.Abs(in.Path)
	if err != nil {
		abs = in.Path
	}
	src := &source{lines: newStreamSource(r, c.cfg.MaxLineBytes), parser: parser, name: in.Path,
		id: c.cfg.SourceID + ":import:" + abs + "#" + strconv.FormatUint(fp, 16), exactCuts: true, lineCount: &c.importLines}
	return ignoreEnd(c.readLoop(ctx, src, ship))
}

// ImportedBytes is how many bytes of the import inputs' files have been
// read (compressed bytes for compressed files), for progress reports.
func (c *Collector) ImportedBytes() int64 { return c.importBytes.Load() }

// ImportedLines is how many lines the import inputs have read.
func (c *Collector) ImportedLines() int64 { return c.importLines.Load() }

// MaxImportZstdWindow bounds the window (the history a zstd stream may
// refer back to, which the decoder holds in memory) of an imported file,
// as wire.DefaultMaxDecodedBytes bounds a Kafka message: 128 MiB, what
// `zstd --ultra -22` and `--long=27` write; zstd's ordinary levels use at
// most 8 MiB. The library's default was 512 MiB: a 32 KB file made the
// collector hold it.
const MaxImportZstdWindow = wire.DefaultMaxDecodedBytes

// Decompress returns r decompressed when it starts with a gzip or zstd
// magic number, else r as it is. Memory stays bounded whatever the input:
// gzip's window is 32 KiB, zstd's at most MaxImportZstdWindow.
func Decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		// gzip from the standard library: klauspost's gzip is faster but
		// the import is bound by parsing and producing, not inflating.
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("cannot read gzip: %w", err)
		}
		zr.Multistream(true) // logrotate's and cat'ed .gz files are multi-member
		return zr, nil
	case len(magic) == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(MaxImportZstdWindow), zstd.WithDecoderMaxMemory(MaxImportZstdWindow))
		if err != nil {
			return nil, fmt.Errorf("cannot read zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	}
	return io.NopCloser(br), nil
}

type countingReader struct {
	r io.Reader
	n interface{ Add(int64) int64 }
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
