// The register's phone rule lives in domain/ so the API's household lookup normalises the same way.
export { normalizePhone, normalizePhoneWithLibrary } from '../../domain/phone';
