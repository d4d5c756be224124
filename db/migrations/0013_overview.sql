CREATE TYPE "public"."awpb_component" AS ENUM('cash-transfers', 'accompanying-measures', 'public-works', 'register', 'monitoring');--> statement-breakpoint
ALTER TYPE "public"."role" ADD VALUE 'partner';--> statement-breakpoint
CREATE TABLE "payment_daily_figures" (
	"list_id" uuid NOT NULL,
	"batch_no" integer NOT NULL,
	"region_code" text NOT NULL,
	"commune_code" text NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"cycle_id" uuid NOT NULL,
	"payments" integer NOT NULL,
	"amount_fcfa" bigint NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "payment_daily_figures_pk" PRIMARY KEY("list_id","batch_no","day","region_code","commune_code","funding_source")
);
--> statement-breakpoint
CREATE TABLE "awpb_expenses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"component" "awpb_component" NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"region_code" text,
	"amount_fcfa" bigint NOT NULL,
	"spent_on" date NOT NULL,
	"description" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "awpb_expenses_amount_positive" CHECK ("awpb_expenses"."amount_fcfa" > 0)
);
--> statement-breakpoint
CREATE TABLE "awpb_forecasts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"year" integer NOT NULL,
	"component" "awpb_component" NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"region_code" text,
	"amount_fcfa" bigint NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "awpb_forecasts_line_unique" UNIQUE NULLS NOT DISTINCT("year","component","funding_source","region_code"),
	CONSTRAINT "awpb_forecasts_amount_range" CHECK ("awpb_forecasts"."amount_fcfa" >= 0),
	CONSTRAINT "awpb_forecasts_year_range" CHECK ("awpb_forecasts"."year" between 2013 and 2100)
);
--> statement-breakpoint
ALTER TABLE "payment_daily_figures" ADD CONSTRAINT "payment_daily_figures_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_daily_figures" ADD CONSTRAINT "payment_daily_figures_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_daily_figures_day_idx" ON "payment_daily_figures" USING btree ("day","region_code");--> statement-breakpoint
CREATE INDEX "awpb_expenses_spent_idx" ON "awpb_expenses" USING btree ("spent_on");--> statement-breakpoint
-- Hand-written backfill (keep when regenerating): paid payments per day from the ledger already there.
INSERT INTO "payment_daily_figures" ("list_id", "batch_no", "day", "region_code", "commune_code", "funding_source", "cycle_id", "payments", "amount_fcfa")
SELECT "list_id", "batch_no", (coalesce("confirmed_at", "updated_at") at time zone 'UTC')::date, "region_code", "commune_code", "funding_source", "cycle_id", count(*)::int, sum("amount_fcfa")
FROM "payments" WHERE "status" IN ('confirmed', 'credited', 'cashed-out')
GROUP BY 1, 2, 3, 4, 5, 6, 7;
