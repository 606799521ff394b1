package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// flagSet is a subcommand's flags with its full help.
type flagSet struct {
	*flag.FlagSet
	help   func() // prints synopsis, description and flags to stdout
	name   string
	stderr io.Writer
}

// newFlagSet returns the flag set of a subcommand. -h prints its synopsis,
// what the command does and its flags to stdout; a bad flag prints the
// problem and a hint to stderr.
func newFlagSet(name, synopsis, about string, stdout, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet("switchyard "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	// flag prints the problem with a bad flag; parseFlags adds a hint, not
	// the whole help, so the problem stays in sight.
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, name: name, stderr: stderr, help: func() {
		fmt.Fprintf(stdout, "Usage: switchyard %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}}
}

// parseFlags parses args; done is true when the command ends here: with
// status 0 after -h printed the help, 2 after a bad flag.
func parseFlags(fs *flagSet, args []string) (done bool, status int) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return false, exitOK
	case errors.Is(err, flag.ErrHelp):
		fs.help()
		return true, exitOK
	default:
		fmt.Fprintf(fs.stderr, "Run 'switchyard %s -h' for usage.\n", fs.name)
		return true, exitUsage
	}
}
