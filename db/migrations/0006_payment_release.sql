CREATE TYPE "public"."payment_release_stage" AS ENUM('approval', 'authorisation', 'finance-release');--> statement-breakpoint
CREATE TABLE "budget_reservations" (
	"list_id" uuid PRIMARY KEY NOT NULL,
	"cycle_id" uuid NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"amount_fcfa" bigint NOT NULL,
	"reserved_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_reservations_amount_positive" CHECK ("budget_reservations"."amount_fcfa" >= 0)
);
--> statement-breakpoint
CREATE TABLE "payment_list_signatures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"list_id" uuid NOT NULL,
	"stage" "payment_release_stage" NOT NULL,
	"signed_by" text NOT NULL,
	"signed_by_name" text NOT NULL,
	"signed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_list_signatures_distinct_signer" UNIQUE("list_id","signed_by")
);
--> statement-breakpoint
ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_list_signatures" ADD CONSTRAINT "payment_list_signatures_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "budget_reservations_line_idx" ON "budget_reservations" USING btree ("cycle_id","funding_source");