CREATE TYPE "public"."procurement_case_status" AS ENUM('running', 'completed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."procurement_kind" AS ENUM('payment-agency', 'ngo');--> statement-breakpoint
CREATE TYPE "public"."procurement_step_status" AS ENUM('waiting', 'open', 'submitted', 'holding', 'done');--> statement-breakpoint
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
ALTER TABLE "procurement_actions" ADD CONSTRAINT "procurement_actions_case_id_procurement_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."procurement_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "procurement_cases" ADD CONSTRAINT "procurement_cases_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "procurement_steps" ADD CONSTRAINT "procurement_steps_case_id_procurement_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."procurement_cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "procurement_actions_case_idx" ON "procurement_actions" USING btree ("case_id","id");--> statement-breakpoint
CREATE INDEX "procurement_cases_cycle_idx" ON "procurement_cases" USING btree ("cycle_id");