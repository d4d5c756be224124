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
ALTER TABLE "workshops" ADD CONSTRAINT "workshops_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workshops" ADD CONSTRAINT "workshops_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;