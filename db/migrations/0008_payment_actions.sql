CREATE TYPE "public"."payment_action" AS ENUM('retry', 'reroute', 'cancel');--> statement-breakpoint
CREATE TYPE "public"."payment_action_status" AS ENUM('awaiting-approval', 'applied', 'rejected');--> statement-breakpoint
CREATE TABLE "payment_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cycle_id" uuid NOT NULL,
	"action" "payment_action" NOT NULL,
	"status" "payment_action_status" NOT NULL,
	"payment_ids" bigint[] NOT NULL,
	"filter" jsonb,
	"to_agency_id" text,
	"phone" text,
	"reason" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_by_name" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_by_name" text,
	"decided_at" timestamp with time zone,
	"decision_reason" text,
	"applied_count" integer
);
--> statement-breakpoint
ALTER TABLE "payment_lists" ADD COLUMN "run_claim" text;--> statement-breakpoint
ALTER TABLE "payment_actions" ADD CONSTRAINT "payment_actions_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_actions" ADD CONSTRAINT "payment_actions_to_agency_id_payment_agencies_id_fk" FOREIGN KEY ("to_agency_id") REFERENCES "public"."payment_agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_actions_cycle_idx" ON "payment_actions" USING btree ("cycle_id","status");