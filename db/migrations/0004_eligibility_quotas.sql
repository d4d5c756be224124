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
ALTER TABLE "communes" ADD COLUMN "population" integer;--> statement-breakpoint
ALTER TABLE "communes" ADD COLUMN "poverty_rate" real;--> statement-breakpoint
ALTER TABLE "villages" ADD CONSTRAINT "villages_commune_code_communes_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."communes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_quotas" ADD CONSTRAINT "targeting_quotas_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_rules" ADD CONSTRAINT "targeting_rules_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_runs" ADD CONSTRAINT "targeting_runs_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "targeting_quotas_commune_idx" ON "targeting_quotas" USING btree ("cycle_id","commune_code");--> statement-breakpoint
CREATE INDEX "targeting_runs_cycle_idx" ON "targeting_runs" USING btree ("cycle_id","created_at");