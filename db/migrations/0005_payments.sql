CREATE TYPE "public"."agency_kind" AS ENUM('mobile-money', 'bank');--> statement-breakpoint
CREATE TYPE "public"."payment_failure_reason" AS ENUM('invalid-account', 'daily-limit', 'account-blocked', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."payment_list_status" AS ENUM('declared', 'built', 'released', 'closed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('pending', 'submitted', 'ambiguous', 'confirmed', 'credited', 'cashed-out', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "payment_agencies" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" "agency_kind" NOT NULL,
	"base_url" text NOT NULL,
	"credential_ref" text NOT NULL,
	"lots" jsonb NOT NULL,
	"fee_fcfa_per_payment" integer DEFAULT 0 NOT NULL,
	"fee_basis_points" integer DEFAULT 0 NOT NULL,
	"rate_per_second" integer NOT NULL,
	"bulk_size" integer,
	"daily_limit_fcfa" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_lists" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cycle_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"commune_code" text NOT NULL,
	"agency_id" text NOT NULL,
	"tranche" integer DEFAULT 1 NOT NULL,
	"sequence" integer DEFAULT 1 NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"status" "payment_list_status" DEFAULT 'declared' NOT NULL,
	"declared_count" integer NOT NULL,
	"declared_total_fcfa" bigint NOT NULL,
	"built_count" integer,
	"built_total_fcfa" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp with time zone,
	CONSTRAINT "payment_lists_lot_unique" UNIQUE("cycle_id","commune_code","agency_id","tranche","sequence"),
	CONSTRAINT "payment_lists_declared_positive" CHECK ("payment_lists"."declared_count" >= 0 and "payment_lists"."declared_total_fcfa" >= 0)
);
--> statement-breakpoint
CREATE TABLE "payment_status_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payment_id" bigint NOT NULL,
	"from_status" "payment_status",
	"to_status" "payment_status" NOT NULL,
	"generation" integer NOT NULL,
	"detail" text,
	"actor" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cycle_id" uuid NOT NULL,
	"rsu_id" text NOT NULL,
	"tranche" integer DEFAULT 1 NOT NULL,
	"list_id" uuid NOT NULL,
	"batch_no" integer NOT NULL,
	"region_code" text NOT NULL,
	"commune_code" text NOT NULL,
	"agency_id" text NOT NULL,
	"funding_source" "funding_source" NOT NULL,
	"amount_fcfa" integer NOT NULL,
	"phone" text,
	"status" "payment_status" DEFAULT 'pending' NOT NULL,
	"generation" integer DEFAULT 0 NOT NULL,
	"idempotency_key" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"agency_reference" text,
	"failure_reason" "payment_failure_reason",
	"last_error" text,
	"submitted_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_household_tranche_unique" UNIQUE("cycle_id","rsu_id","tranche"),
	CONSTRAINT "payments_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "payments_amount_positive" CHECK ("payments"."amount_fcfa" > 0)
);
--> statement-breakpoint
ALTER TABLE "payment_lists" ADD CONSTRAINT "payment_lists_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_lists" ADD CONSTRAINT "payment_lists_agency_id_payment_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."payment_agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_status_history" ADD CONSTRAINT "payment_status_history_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_cycle_id_cycles_id_fk" FOREIGN KEY ("cycle_id") REFERENCES "public"."cycles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_list_id_payment_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."payment_lists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_agency_id_payment_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."payment_agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payment_status_history_payment_idx" ON "payment_status_history" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "payments_batch_idx" ON "payments" USING btree ("list_id","batch_no");--> statement-breakpoint
CREATE INDEX "payments_status_idx" ON "payments" USING btree ("cycle_id","status");