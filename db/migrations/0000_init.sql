CREATE TYPE "public"."cycle_status" AS ENUM('running', 'paused', 'completed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."funding_source" AS ENUM('world-bank-af2', 'pgfs', 'afd', 'pdazam', 'wfp', 'unicef', 'fao');--> statement-breakpoint
CREATE TYPE "public"."phase" AS ENUM('training', 'targeting', 'procurement', 'disbursement', 'grievances');--> statement-breakpoint
CREATE TYPE "public"."phase_status" AS ENUM('pending', 'active', 'completed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."transition_kind" AS ENUM('cycle-started', 'phase-started', 'phase-completed', 'cycle-paused', 'cycle-resumed', 'cycle-cancelled', 'cycle-completed');--> statement-breakpoint
CREATE TABLE "cycle_funding_sources" (
	"cycle_id" uuid NOT NULL,
	"source" "funding_source" NOT NULL,
	"amount_fcfa" bigint NOT NULL,
	CONSTRAINT "cycle_funding_sources_cycle_id_source_pk" PRIMARY KEY("cycle_id","source"),
	CONSTRAINT "funding_amount_positive" CHECK ("cycle_funding_sources"."amount_fcfa" > 0)
);
--> statement-breakpoint
CREATE TABLE "cycle_phases" (
	"cycle_id" uuid NOT NULL,
	"phase" "phase" NOT NULL,
	"status" "phase_status" DEFAULT 'pending' NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"completed_by" text,
	CONSTRAINT "cycle_phases_cycle_id_phase_pk" PRIMARY KEY("cycle_id","phase")
);
--> statement-breakpoint
CREATE TABLE "cycle_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" uuid NOT NULL,
	"kind" "transition_kind" NOT NULL,
	"phase" "phase",
	"actor" text NOT NULL,
	"reason" text,
	"sequence" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cycle_transitions_sequence_unique" UNIQUE("cycle_id","sequence")
);
--> statement-breakpoint
CREATE TABLE "cycles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"transfer_amount_fcfa" integer NOT NULL,
	"target_households" integer NOT NULL,
	"starts_on" text,
	"ends_on" text,
	"status" "cycle_status" DEFAULT 'running' NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"workflow_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cycles_name_unique" UNIQUE("name"),
	CONSTRAINT "cycles_transfer_positive" CHECK ("cycles"."transfer_amount_fcfa" > 0),
	CONSTRAINT "cycles_target_positive" CHECK ("cycles"."target_households" > 0)
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" uuid,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cycle_funding_sources" ADD CONSTRAINT "cycle_funding_sources_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cycle_phases" ADD CONSTRAINT "cycle_phases_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cycle_transitions" ADD CONSTRAINT "cycle_transitions_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_cycle_idx" ON "events" USING btree ("cycle_id","id");