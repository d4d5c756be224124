CREATE TYPE "public"."grievance_category" AS ENUM('non-payment', 'wrong-amount', 'exclusion', 'inclusion-error', 'misconduct', 'fraud', 'data-correction', 'other');--> statement-breakpoint
CREATE TYPE "public"."grievance_channel" AS ENUM('console', 'api', 'csv');--> statement-breakpoint
CREATE TYPE "public"."grievance_status" AS ENUM('received', 'acknowledged', 'under-investigation', 'resolved', 'rejected', 'closed');--> statement-breakpoint
CREATE SEQUENCE "public"."grievance_reference_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "grievance_cases" (
	"reference" text PRIMARY KEY NOT NULL,
	"cycle_id" uuid,
	"category" "grievance_category" NOT NULL,
	"household_rsu_id" text,
	"complainant_name" text,
	"complainant_phone" text,
	"region" text NOT NULL,
	"commune" text NOT NULL,
	"channel" "grievance_channel" NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" "grievance_status" DEFAULT 'received' NOT NULL,
	"level" "escalation_level" DEFAULT 'commune' NOT NULL,
	"deadline_at" timestamp with time zone,
	"paused_remaining_ms" integer,
	"late_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"answer" text,
	"linked_to" text,
	"version" integer DEFAULT 0 NOT NULL,
	"filed_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "grievance_timeline" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"comment" text,
	"data" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grievance_timeline_version_unique" UNIQUE("reference","version")
);
--> statement-breakpoint
ALTER TABLE "grievance_cases" ADD CONSTRAINT "grievance_cases_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grievance_cases" ADD CONSTRAINT "grievance_cases_household_rsu_id_households_rsu_id_fk" FOREIGN KEY ("household_rsu_id") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grievance_cases" ADD CONSTRAINT "grievance_cases_linked_to_grievance_cases_reference_fk" FOREIGN KEY ("linked_to") REFERENCES "public"."grievance_cases"("reference") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grievance_timeline" ADD CONSTRAINT "grievance_timeline_reference_grievance_cases_reference_fk" FOREIGN KEY ("reference") REFERENCES "public"."grievance_cases"("reference") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grievance_cases_household_idx" ON "grievance_cases" USING btree ("household_rsu_id","category");--> statement-breakpoint
CREATE INDEX "grievance_cases_area_idx" ON "grievance_cases" USING btree ("region","commune");--> statement-breakpoint
CREATE INDEX "grievance_cases_status_idx" ON "grievance_cases" USING btree ("status","deadline_at");--> statement-breakpoint
CREATE INDEX "grievance_cases_cycle_idx" ON "grievance_cases" USING btree ("cycle_id");--> statement-breakpoint
CREATE INDEX "grievance_timeline_case_idx" ON "grievance_timeline" USING btree ("reference","id");