import { pgEnum } from 'drizzle-orm/pg-core';
import { CYCLE_STATUSES, PHASES, PHASE_STATUSES, TRANSITION_KINDS } from '../../domain/cycle';
import { FUNDING_SOURCES } from '../../domain/funding';
import { ROLES } from '../../domain/roles';
import { IMPORT_KINDS, IMPORT_STATUSES, REGISTER_FORMATS, SEXES } from '../../domain/register';

export const phaseEnum = pgEnum('phase', PHASES);
export const phaseStatusEnum = pgEnum('phase_status', PHASE_STATUSES);
export const cycleStatusEnum = pgEnum('cycle_status', CYCLE_STATUSES);
export const transitionKindEnum = pgEnum('transition_kind', TRANSITION_KINDS);
export const fundingSourceEnum = pgEnum('funding_source', FUNDING_SOURCES);
export const roleEnum = pgEnum('role', ROLES);
export const areaLevelEnum = pgEnum('area_level', ['national', 'region', 'commune']);
export const principalKindEnum = pgEnum('principal_kind', ['user', 'service']);
export const sexEnum = pgEnum('sex', SEXES);
export const registerFormatEnum = pgEnum('register_format', REGISTER_FORMATS);
export const importKindEnum = pgEnum('import_kind', IMPORT_KINDS);
export const importStatusEnum = pgEnum('import_status', IMPORT_STATUSES);
