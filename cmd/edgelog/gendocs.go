package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// genDocsCommand is the hidden `edgelog gen-docs DIR`: the markdown
// reference, a page per command by cobra's generator (github.com/spf13/cobra/doc),
// README.md for edgelog itself and <command>.md (completion_bash.md...) for
// the others, and the shell completion scripts cobra generates into
// DIR/completion (edgelog.bash, _edgelog for zsh, edgelog.fish), which the
// packages install where each shell looks. docs/ (make docs) runs it and
// keeps the pages in docs/cli and the scripts in docs/completion.
func genDocsCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "write the markdown command reference into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeDocs(cmd.Root(), args[0])
		},
	}
}

// docPage is the page name of a command: README.md for the root, else its
// path without "edgelog", words joined by "_" (as cobra's link names).
func docPage(cobraPath string) string {
	p := strings.TrimSuffix(cobraPath, ".md")
	p = strings.ReplaceAll(p, " ", "_")
	if p == "edgelog" {
		return "README.md"
	}
	return strings.TrimPrefix(p, "edgelog_") + ".md"
}

func writeDocs(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true // no date: the pages are compared with what is committed
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if c != root && (!c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand()) {
			return nil
		}
		// The help texts are laid out for a terminal (aligned lists,
		// examples): kept as they are in a text block.
		long := c.Long
		if long != "" && c != root {
			c.Long = "```text\n" + strings.TrimRight(long, "\n") + "\n```"
		}
		var b bytes.Buffer
		err := doc.GenMarkdownCustom(c, &b, docPage)
		c.Long = long
		if err != nil {
			return fmt.Errorf("cannot generate the page of %s: %w", c.CommandPath(), err)
		}
		if err := os.WriteFile(filepath.Join(dir, docPage(c.CommandPath())), b.Bytes(), 0o600); err != nil {
			return err
		}
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return err
	}
	return writeCompletions(root, filepath.Join(dir, "completion"))
}

// writeCompletions writes cobra's completion script for each shell a
// Linux package serves (PowerShell's is printed by `edgelog completion
// powershell` only).
func writeCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	scripts := []struct {
		file string
		gen  func(*bytes.Buffer) error
	}{
		{"edgelog.bash", func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) }},
		{"_edgelog", func(b *bytes.Buffer) error { return root.GenZshCompletion(b) }},
		{"edgelog.fish", func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) }},
	}
	for _, s := range scripts {
		var b bytes.Buffer
		if err := s.gen(&b); err != nil {
			return fmt.Errorf("cannot generate the completion script %s: %w", s.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.file), b.Bytes(), 0o600); err != nil {
			return err
		}
	}
	return nil
}
