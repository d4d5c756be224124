CREATE TYPE "public"."reconciliation_item_kind" AS ENUM('paid-not-confirmed', 'confirmed-not-paid', 'amount-differs', 'reversed');--> statement-breakpoint
CREATE TABLE "agency_statement_cursors" (
	"agency_id" text PRIMARY KEY NOT NULL,
	"after" text NOT NULL,
	"read_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agency_statement_lines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"agency_id" text NOT NULL,
	"cursor" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"reference" text NOT NULL,
	"amount_fcfa" integer NOT NULL,
	"reversal" boolean DEFAULT false NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"cycle_id" uuid,
	"rsu_id" text,
	"tranche" integer,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agency_statement_lines_place" UNIQUE("agency_id","cursor")
);
--> statement-breakpoint
CREATE TABLE "payment_reconciliation_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" uuid NOT NULL,
	"list_id" uuid NOT NULL,
	"payment_id" bigint NOT NULL,
	"kind" "reconciliation_item_kind" NOT NULL,
	"match_key" text NOT NULL,
	"ledger_amount_fcfa" integer NOT NULL,
	"statement_amount_fcfa" integer,
	"agency_reference" text,
	"statement_key" text,
	"found_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolved_by_name" text,
	"resolution_note" text,
	CONSTRAINT "payment_reconciliation_items_once" UNIQUE("list_id","match_key"),
	CONSTRAINT "payment_reconciliation_items_resolved" CHECK (("payment_reconciliation_items"."resolved_at" is null) = ("payment_reconciliation_items"."resolved_by" is null))
);
--> statement-breakpoint
CREATE TABLE "payment_reconciliations" (
	"list_id" uuid PRIMARY KEY NOT NULL,
	"cycle_id" uuid NOT NULL,
	"reconciled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"runs" integer DEFAULT 1 NOT NULL,
	"matched" integer NOT NULL,
	"mismatches" integer NOT NULL,
	"ledger_total_fcfa" bigint NOT NULL,
	"statement_total_fcfa" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agency_statement_cursors" ADD CONSTRAINT "agency_statement_cursors_agency_id_payment_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."payment_agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agency_statement_lines" ADD CONSTRAINT "agency_statement_lines_agency_id_payment_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."payment_agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_reconciliation_items" ADD CONSTRAINT "payment_reconciliation_items_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_reconciliation_items" ADD CONSTRAINT "payment_reconciliation_items_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_reconciliation_items" ADD CONSTRAINT "payment_reconciliation_items_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_reconciliations" ADD CONSTRAINT "payment_reconciliations_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_reconciliations" ADD CONSTRAINT "payment_reconciliations_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agency_statement_lines_household_idx" ON "agency_statement_lines" USING btree ("cycle_id","rsu_id","tranche");--> statement-breakpoint
CREATE INDEX "payment_reconciliation_items_open_idx" ON "payment_reconciliation_items" USING btree ("cycle_id","resolved_at");