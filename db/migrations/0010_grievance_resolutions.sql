CREATE TABLE "grievance_payments" (
	"reference" text PRIMARY KEY NOT NULL,
	"cycle_id" uuid NOT NULL,
	"rsu_id" text NOT NULL,
	"amount_fcfa" integer NOT NULL,
	"reason" text NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"approved_by" text,
	"approved_at" timestamp with time zone,
	"tranche" integer,
	"list_id" uuid,
	"payment_id" bigint,
	"problem" text
);
--> statement-breakpoint
ALTER TABLE "grievance_cases" ADD COLUMN "referred_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "grievance_payments" ADD CONSTRAINT "grievance_payments_reference_grievance_cases_reference_fk" FOREIGN KEY ("reference") REFERENCES "public"."grievance_cases"("reference") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grievance_payments" ADD CONSTRAINT "grievance_payments_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grievance_payments" ADD CONSTRAINT "grievance_payments_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grievance_payments" ADD CONSTRAINT "grievance_payments_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grievance_payments_cycle_idx" ON "grievance_payments" USING btree ("cycle_id","rsu_id");