/* error.c - names of the library's return codes. */
#include "internal.h"

const char *ka_strerror(int code)
{
	switch (code) {
	case KA_OK:
		return "success";
	case KA_EINVAL:
		return "invalid argument";
	case KA_ENOMEM:
		return "out of memory";
	case KA_ELIMIT:
		return "count past the model's limits";
	case KA_EDUPMEMBER:
		return "duplicate member id";
	case KA_EDUPTOPIC:
		return "duplicate topic name";
	case KA_EWORKSPACE:
		return "workspace too small";
	case KA_ESTATE:
		return "call out of order";
	case KA_ERANGE:
		return "value out of range";
	case KA_ELEADER:
		return "leader rack not among the partition's replica racks";
	case KA_EKAFKA:
		return "Kafka's own answer gives a partition to two members: no assignment to "
		       "reproduce";
	default:
		return "unknown error";
	}
}
