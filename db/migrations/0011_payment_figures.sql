CREATE TABLE "payment_figures" (
	"list_id" uuid NOT NULL,
	"batch_no" integer NOT NULL,
	"region_code" text NOT NULL,
	"commune_code" text NOT NULL,
	"agency_id" text NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"status" "payment_status" NOT NULL,
	"cycle_id" uuid NOT NULL,
	"payments" integer NOT NULL,
	"amount_fcfa" bigint NOT NULL,
	CONSTRAINT "payment_figures_pk" PRIMARY KEY("list_id","batch_no","region_code","commune_code","agency_id","funding_source","status")
);
--> statement-breakpoint
ALTER TABLE "payment_figures" ADD CONSTRAINT "payment_figures_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_figures" ADD CONSTRAINT "payment_figures_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_figures_cycle_idx" ON "payment_figures" USING btree ("cycle_id","region_code","commune_code");--> statement-breakpoint
INSERT INTO "payment_figures" ("list_id", "batch_no", "region_code", "commune_code", "agency_id", "funding_source", "status", "cycle_id", "payments", "amount_fcfa")
SELECT "list_id", "batch_no", "region_code", "commune_code", "agency_id", "funding_source", "status", "cycle_id", count(*)::int, sum("amount_fcfa")
FROM "payments" GROUP BY "list_id", "batch_no", "region_code", "commune_code", "agency_id", "funding_source", "status", "cycle_id";
