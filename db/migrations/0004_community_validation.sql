CREATE TYPE "public"."escalation_level" AS ENUM('commune', 'region', 'national');--> statement-breakpoint
CREATE TYPE "public"."list_change_action" AS ENUM('remove', 'add');--> statement-breakpoint
CREATE TYPE "public"."list_status" AS ENUM('waiting-training', 'awaiting-decision', 'change-proposed', 'approved');--> statement-breakpoint
CREATE TABLE "beneficiaries" (
	"cycle_id" uuid NOT NULL,
	"rsu_id" text NOT NULL,
	"region_code" text NOT NULL,
	"commune_code" text NOT NULL,
	"village" text NOT NULL,
	"head_name" text NOT NULL,
	"nina" text,
	"phone" text,
	"household_size" integer NOT NULL,
	"amount_fcfa" integer NOT NULL,
	"frozen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "beneficiaries_cycle_id_rsu_id_pk" PRIMARY KEY("cycle_id","rsu_id"),
	CONSTRAINT "beneficiaries_amount_positive" CHECK ("beneficiaries"."amount_fcfa" > 0)
);
--> statement-breakpoint
CREATE TABLE "commune_lists" (
	"cycle_id" uuid NOT NULL,
	"commune_code" text NOT NULL,
	"region_code" text NOT NULL,
	"status" "list_status" NOT NULL,
	"escalation" "escalation_level" DEFAULT 'commune' NOT NULL,
	"deadline_at" timestamp with time zone,
	"round" integer DEFAULT 1 NOT NULL,
	"households" integer NOT NULL,
	"assembly_on" date,
	"assembly_attendees" integer,
	"committee_on" date,
	"comment" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"proposed_by" text,
	"escalated_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commune_lists_cycle_id_commune_code_pk" PRIMARY KEY("cycle_id","commune_code")
);
--> statement-breakpoint
CREATE TABLE "list_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cycle_id" uuid NOT NULL,
	"commune_code" text NOT NULL,
	"round" integer NOT NULL,
	"rsu_id" text NOT NULL,
	"action" "list_change_action" NOT NULL,
	"reason" text NOT NULL,
	"prepared_by" text NOT NULL,
	"prepared_at" timestamp with time zone NOT NULL,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
CREATE TABLE "list_entries" (
	"cycle_id" uuid NOT NULL,
	"rsu_id" text NOT NULL,
	"commune_code" text NOT NULL,
	"added_in_round" integer DEFAULT 0 NOT NULL,
	"removed_in_round" integer,
	"removal_reason" text,
	"addition_reason" text,
	CONSTRAINT "list_entries_cycle_id_rsu_id_pk" PRIMARY KEY("cycle_id","rsu_id")
);
--> statement-breakpoint
ALTER TABLE "cycles" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "beneficiaries" ADD CONSTRAINT "beneficiaries_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commune_lists" ADD CONSTRAINT "commune_lists_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_changes" ADD CONSTRAINT "list_changes_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_entries" ADD CONSTRAINT "list_entries_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "beneficiaries_commune_idx" ON "beneficiaries" USING btree ("cycle_id","commune_code");--> statement-breakpoint
CREATE INDEX "commune_lists_region_idx" ON "commune_lists" USING btree ("cycle_id","region_code");--> statement-breakpoint
CREATE INDEX "list_changes_list_idx" ON "list_changes" USING btree ("cycle_id","commune_code","round");--> statement-breakpoint
CREATE INDEX "list_entries_commune_idx" ON "list_entries" USING btree ("cycle_id","commune_code");