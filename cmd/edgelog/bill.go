package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgelog/edgelog/internal/chconn"
	"github.com/edgelog/edgelog/query"
	"github.com/edgelog/edgelog/query/api"
	"github.com/edgelog/edgelog/query/billing"
	"github.com/edgelog/edgelog/schema"
)

func init() {
	register("bill", "monthly bills: print, close a month, verify against raw rows", runBill, withActions(billActions...))
}

// billActions are bill's verbs; print is the default.
var billActions = []string{"print", "close", "verify"}

func runBill(ctx context.Context, args []string) error {
	fs := newFlags("bill", "[print|close|verify] --month YYYY-MM [flags]", `edgelog bill --month 2026-10 [--customer ID] [--format csv|json]
    prints the month's bills from the 5-minute billing samples: GB out per billing
    region at the price book's tiered prices, requests per 10k, the 95th-percentile
    Mbps, invoice lines and total; plus adjustments for late data of the previous,
    closed month.
edgelog bill close --month 2026-10
    stores the month's bills as immutable snapshots (version 1). A closed month
    never changes: data arriving later appears as an adjustment on the next bill.
edgelog bill verify --month 2026-10
    recomputes every bill from the raw rows and prints each difference from the
    rollup-based bill; exits non-zero if there is any.`)
	var ch chconn.Config
	ch.RegisterFlags(fs)
	monthFlag := fs.String("month", "", "month, e.g. 2026-10 (UTC)")
	customer := fs.String("customer", "", "one customer (default: all)")
	format := fs.String("format", "csv", "csv or json")
	prices := fs.String("prices", "", "price book (YAML); without it bills show usage only")
	if err := parseFlags(ctx, fs, args); err != nil {
		return err
	}
	action := "print"
	switch {
	case fs.NArg() > 1:
		return fmt.Errorf("want at most one action (%s), got %d arguments", strings.Join(billActions, ", "), fs.NArg())
	case fs.NArg() == 1 && !slices.Contains(billActions, fs.Arg(0)):
		return fmt.Errorf("unknown action %q (want %s)", fs.Arg(0), strings.Join(billActions, ", "))
	case fs.NArg() == 1:
		action = fs.Arg(0)
	}
	if *monthFlag == "" {
		return errors.New("--month is required, e.g. --month 2026-10")
	}
	month, err := billing.ParseMonth(*monthFlag)
	if err != nil {
		return fmt.Errorf("--month %q: %w", *monthFlag, err)
	}
	if month.After(time.Now()) {
		return fmt.Errorf("--month %s has not begun", month.Format("2006-01"))
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("--format %q: want csv or json", *format)
	}
	if action != "print" && *customer != "" {
		return fmt.Errorf("--customer applies to printing bills; bill %s works on every customer of the month", action)
	}
	if !schema.ValidIdent(ch.Database) {
		return fmt.Errorf("invalid database name %q", ch.Database)
	}
	var pb *billing.PriceBook
	if *prices != "" {
		if pb, err = billing.LoadPriceBook(*prices); err != nil {
			return err
		}
	}
	conn, err := chconn.Open(ctx, ch)
	if err != nil {
		return err
	}
	defer conn.Close()
	ledger := &billing.Ledger{Store: &query.Store{Conn: conn, DB: ch.Database}}

	var bills []api.Bill
	switch action {
	case "close":
		if bills, err = ledger.CloseMonth(ctx, pb, month); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "closed %s: %d bills stored as version 1\n", month.Format("2006-01"), len(bills))
		return nil
	case "verify":
		bills, diffs, err := ledger.VerifyMonth(ctx, pb, month)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "customer\tfigure\tfrom rollup\tfrom raw rows")
		for _, d := range diffs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Customer, d.What, d.Rollup, d.Raw)
		}
		tw.Flush() // #nosec G104 -- stdout; a failed write shows as missing output, nothing to recover
		fmt.Printf("verified %d bills of %s: %d differences\n", len(bills), month.Format("2006-01"), len(diffs))
		if len(diffs) > 0 {
			return fmt.Errorf("%d differences between rollups and raw rows", len(diffs))
		}
		return nil
	}
	if bills, err = ledger.Bills(ctx, pb, month, *customer); err != nil {
		return err
	}
	if bills, err = ledger.WithAdjustments(ctx, pb, month, bills, *customer); err != nil {
		return err
	}
	if *customer != "" && len(bills) == 0 {
		known, err := ledger.HasCustomer(ctx, *customer)
		if err != nil {
			return err
		}
		if !known {
			return fmt.Errorf("unknown customer %q: no traffic in any month ('edgelog bill --month %s' lists the month's customers)", *customer, month.Format("2006-01"))
		}
		fmt.Fprintf(os.Stderr, "customer %s had no traffic in %s\n", *customer, month.Format("2006-01"))
	}
	if *customer == "" && len(bills) == 0 {
		return fmt.Errorf("no bills for %s: no customer had traffic that month", month.Format("2006-01"))
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(bills)
	case "csv":
		b, err := billing.BillsCSV(bills)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(b)
		return err
	}
	return fmt.Errorf("--format must be csv or json")
}
