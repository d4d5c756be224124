CREATE TYPE "public"."procurement_case_status" AS ENUM('running', 'completed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."duplicate_reason" AS ENUM('nina', 'phone', 'name-birth-commune');--> statement-breakpoint
CREATE TYPE "public"."duplicate_status" AS ENUM('open', 'kept', 'merged', 'distinct');--> statement-breakpoint
CREATE TYPE "public"."escalation_level" AS ENUM('commune', 'region', 'national');--> statement-breakpoint
CREATE TYPE "public"."list_change_action" AS ENUM('remove', 'add');--> statement-breakpoint
CREATE TYPE "public"."list_status" AS ENUM('waiting-training', 'awaiting-decision', 'change-proposed', 'approved');--> statement-breakpoint
CREATE TYPE "public"."procurement_kind" AS ENUM('payment-agency', 'ngo');--> statement-breakpoint
CREATE TYPE "public"."procurement_step_status" AS ENUM('waiting', 'open', 'submitted', 'holding', 'done');--> statement-breakpoint
CREATE TYPE "public"."quota_level" AS ENUM('region', 'commune', 'village');--> statement-breakpoint
CREATE TYPE "public"."targeting_outcome" AS ENUM('selected', 'beyond-quota', 'no-criterion', 'above-threshold');--> statement-breakpoint
CREATE TYPE "public"."targeting_run_status" AS ENUM('queued', 'running', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."targeting_run_step" AS ENUM('counting', 'allocating', 'ranking', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "villages" (
	"commune_code" text NOT NULL,
	"name" text NOT NULL,
	"population" integer,
	"poverty_rate" real,
	CONSTRAINT "villages_commune_code_name_pk" PRIMARY KEY("commune_code","name")
);
--> statement-breakpoint
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
CREATE TABLE "workshops" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cycle_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"chair" text NOT NULL,
	"place" text NOT NULL,
	"planned_start" date NOT NULL,
	"planned_end" date NOT NULL,
	"planned_participants" integer NOT NULL,
	"planned_by" text NOT NULL,
	"actual_participants" integer,
	"trainers_trained" integer,
	"report_notes" text,
	"reported_by" text,
	"reported_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workshops_cycle_region_unique" UNIQUE("cycle_id","region_code"),
	CONSTRAINT "workshops_dates_ordered" CHECK ("workshops"."planned_end" >= "workshops"."planned_start"),
	CONSTRAINT "workshops_planned_participants_range" CHECK ("workshops"."planned_participants" >= 0),
	CONSTRAINT "workshops_actual_participants_range" CHECK ("workshops"."actual_participants" >= 0),
	CONSTRAINT "workshops_trainers_range" CHECK ("workshops"."trainers_trained" between 0 and "workshops"."actual_participants"),
	CONSTRAINT "workshops_report_complete" CHECK (("workshops"."reported_at" is null) = ("workshops"."actual_participants" is null) and ("workshops"."reported_at" is null) = ("workshops"."trainers_trained" is null) and ("workshops"."reported_at" is null) = ("workshops"."reported_by" is null))
);
--> statement-breakpoint
CREATE TABLE "duplicate_pairs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rsu_id_a" text NOT NULL,
	"rsu_id_b" text NOT NULL,
	"reasons" "duplicate_reason"[] NOT NULL,
	"status" "duplicate_status" DEFAULT 'open' NOT NULL,
	"found_by_import" uuid,
	"kept_rsu_id" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "duplicate_pairs_pair_key" UNIQUE("rsu_id_a","rsu_id_b"),
	CONSTRAINT "duplicate_pairs_ordered" CHECK ("duplicate_pairs"."rsu_id_a" < "duplicate_pairs"."rsu_id_b")
);
--> statement-breakpoint
CREATE TABLE "targeting_quotas" (
	"cycle_id" uuid NOT NULL,
	"level" "quota_level" NOT NULL,
	"region_code" text NOT NULL,
	"commune_code" text,
	"village" text,
	"population" real NOT NULL,
	"poverty_rate" real NOT NULL,
	"estimated" boolean NOT NULL,
	"weight" real NOT NULL,
	"registered" integer NOT NULL,
	"eligible" integer NOT NULL,
	"quota" integer NOT NULL,
	"overridden" boolean NOT NULL,
	CONSTRAINT "targeting_quotas_area_unique" UNIQUE NULLS NOT DISTINCT("cycle_id","level","region_code","commune_code","village")
);
--> statement-breakpoint
CREATE TABLE "targeting_results" (
	"cycle_id" uuid NOT NULL,
	"commune_code" text COLLATE "C" NOT NULL,
	"rsu_id" text COLLATE "C" NOT NULL,
	"village" text NOT NULL,
	"eligible" boolean NOT NULL,
	"outcome" "targeting_outcome" NOT NULL,
	"need" real NOT NULL,
	"rank" integer,
	"village_quota" integer NOT NULL,
	"selected" boolean NOT NULL,
	CONSTRAINT "targeting_results_cycle_id_commune_code_rsu_id_pk" PRIMARY KEY("cycle_id","commune_code","rsu_id")
);
--> statement-breakpoint
CREATE TABLE "targeting_rules" (
	"cycle_id" uuid PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"quota_overrides" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"locked_at" timestamp with time zone,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "targeting_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cycle_id" uuid NOT NULL,
	"status" "targeting_run_status" DEFAULT 'queued' NOT NULL,
	"step" "targeting_run_step",
	"rules" jsonb NOT NULL,
	"quota_overrides" jsonb NOT NULL,
	"target" integer NOT NULL,
	"households" integer,
	"eligible" integer,
	"selected" integer,
	"failure" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "procurement_actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"step" text NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"comment" text,
	"documents" text[] DEFAULT '{}'::text[] NOT NULL,
	"data" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "procurement_actions_version_unique" UNIQUE("case_id","version")
);
--> statement-breakpoint
CREATE TABLE "procurement_cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cycle_id" uuid NOT NULL,
	"kind" "procurement_kind" NOT NULL,
	"title" text NOT NULL,
	"lot" jsonb NOT NULL,
	"regions" text[] NOT NULL,
	"template_key" text NOT NULL,
	"template_version" integer NOT NULL,
	"status" "procurement_case_status" DEFAULT 'running' NOT NULL,
	"current_step" text NOT NULL,
	"current_index" integer DEFAULT 0 NOT NULL,
	"step_status" "procurement_step_status" NOT NULL,
	"step_deadline_at" timestamp with time zone,
	"step_prepared_by_id" text,
	"late" boolean DEFAULT false NOT NULL,
	"escalated" boolean DEFAULT false NOT NULL,
	"contract" jsonb,
	"version" integer DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "procurement_steps" (
	"case_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"status" "procurement_step_status" NOT NULL,
	"first_opened_at" timestamp with time zone,
	"opened_at" timestamp with time zone,
	"deadline_at" timestamp with time zone,
	"escalate_at" timestamp with time zone,
	"late_at" timestamp with time zone,
	"escalated_at" timestamp with time zone,
	"was_late" boolean DEFAULT false NOT NULL,
	"prepared_by" text,
	"completed_at" timestamp with time zone,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "procurement_steps_case_id_position_pk" PRIMARY KEY("case_id","position")
);
--> statement-breakpoint
CREATE TABLE "procurement_templates" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"name_fr" text NOT NULL,
	"name_en" text NOT NULL,
	"steps" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "procurement_templates_key_version_pk" PRIMARY KEY("key","version")
);
--> statement-breakpoint
ALTER TABLE "cycles" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "communes" ADD COLUMN "population" integer;--> statement-breakpoint
ALTER TABLE "communes" ADD COLUMN "poverty_rate" real;--> statement-breakpoint
ALTER TABLE "households" ADD COLUMN "duplicate_of" text;--> statement-breakpoint
ALTER TABLE "register_imports" ADD COLUMN "duplicate_pairs" integer;--> statement-breakpoint
ALTER TABLE "villages" ADD CONSTRAINT "villages_commune_code_communes_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."communes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "beneficiaries" ADD CONSTRAINT "beneficiaries_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commune_lists" ADD CONSTRAINT "commune_lists_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_changes" ADD CONSTRAINT "list_changes_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_entries" ADD CONSTRAINT "list_entries_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workshops" ADD CONSTRAINT "workshops_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workshops" ADD CONSTRAINT "workshops_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_pairs" ADD CONSTRAINT "duplicate_pairs_rsu_id_a_households_rsu_id_fk" FOREIGN KEY ("rsu_id_a") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_pairs" ADD CONSTRAINT "duplicate_pairs_rsu_id_b_households_rsu_id_fk" FOREIGN KEY ("rsu_id_b") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_pairs" ADD CONSTRAINT "duplicate_pairs_found_by_import_register_imports_id_fk" FOREIGN KEY ("found_by_import") REFERENCES "public"."register_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_quotas" ADD CONSTRAINT "targeting_quotas_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_rules" ADD CONSTRAINT "targeting_rules_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_runs" ADD CONSTRAINT "targeting_runs_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "procurement_actions" ADD CONSTRAINT "procurement_actions_case_id_procurement_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."procurement_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "procurement_cases" ADD CONSTRAINT "procurement_cases_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "procurement_steps" ADD CONSTRAINT "procurement_steps_case_id_procurement_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."procurement_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "beneficiaries_commune_idx" ON "beneficiaries" USING btree ("cycle_id","commune_code");--> statement-breakpoint
CREATE INDEX "commune_lists_region_idx" ON "commune_lists" USING btree ("cycle_id","region_code");--> statement-breakpoint
CREATE INDEX "list_changes_list_idx" ON "list_changes" USING btree ("cycle_id","commune_code","round");--> statement-breakpoint
CREATE INDEX "list_entries_commune_idx" ON "list_entries" USING btree ("cycle_id","commune_code");--> statement-breakpoint
CREATE INDEX "duplicate_pairs_status_idx" ON "duplicate_pairs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "duplicate_pairs_b_idx" ON "duplicate_pairs" USING btree ("rsu_id_b");--> statement-breakpoint
CREATE INDEX "duplicate_pairs_import_idx" ON "duplicate_pairs" USING btree ("found_by_import");--> statement-breakpoint
CREATE INDEX "targeting_quotas_commune_idx" ON "targeting_quotas" USING btree ("cycle_id","commune_code");--> statement-breakpoint
CREATE INDEX "targeting_runs_cycle_idx" ON "targeting_runs" USING btree ("cycle_id","created_at");--> statement-breakpoint
CREATE INDEX "procurement_actions_case_idx" ON "procurement_actions" USING btree ("case_id","id");--> statement-breakpoint
CREATE INDEX "procurement_cases_cycle_idx" ON "procurement_cases" USING btree ("cycle_id");--> statement-breakpoint
ALTER TABLE "households" ADD CONSTRAINT "households_duplicate_of_households_rsu_id_fk" FOREIGN KEY ("duplicate_of") REFERENCES "public"."households"("rsu_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "households_identity_idx" ON "households" USING hash (("commune_code" || '|' || "birth_year"::text || '|' || translate(lower("head_name"), 'àâäáãéèêëíìîïóòôöõúùûüçñ', 'aaaaaeeeeiiiiooooouuuucn')));